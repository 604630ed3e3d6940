"""What crosses the boundary beside probe calls is typed: the spec, the supervisor's reports,
failure kinds and flags (grader/wire/spec.py, issue 16 item 3)."""
from __future__ import annotations

import json

import pytest

from grader.engine.grading import flags_of
from grader.results import Flag
from grader.wire.spec import FailureKind, Limits, SpecError, WorkerEnded, WorkerSpec, WorkerStarted

SPEC = WorkerSpec(module="tensor_creation", source="/s/tensor_creation.py", scratch="/s", probes=None,
                  limits=Limits(import_timeout=3, memory_mb=512), hide=("/course", "/out"), notebook=False,
                  display_name="tensor_creation.py")


def test_a_spec_survives_its_codec_with_its_types():
    back = WorkerSpec.from_json(SPEC.to_json())
    assert back == SPEC
    assert type(back.limits) is Limits and type(back.hide) is tuple and type(back.limits.import_timeout) is float


def test_supervisor_reports_survive_their_codec_on_one_line():
    for report in (WorkerStarted(pid=41, missing=("pid namespace", "Landlock (not in this kernel)")),
                   WorkerEnded(returncode=-9, oom=True)):
        line = report.to_json()
        assert b"\n" not in line  # the status pipe is read line by line
        assert type(report).from_json(line) == report


def edited(change) -> bytes:
    data = json.loads(SPEC.to_json())
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize("change,words", [
    pytest.param(lambda d: d.update(secret="x"), "WorkerSpec: unknown field secret", id="unknown"),
    pytest.param(lambda d: d.pop("scratch"), "WorkerSpec: missing field scratch", id="missing"),
    pytest.param(lambda d: d["limits"].pop("memory_mb"), "WorkerSpec.limits: missing field memory_mb",
                 id="missing-nested"),
    pytest.param(lambda d: d["limits"].update(memory_mb="lots"), "WorkerSpec.limits.memory_mb: expected int, got str",
                 id="wrong-type"),
    pytest.param(lambda d: d["limits"].update(processes=True), "expected int, got bool", id="bool-is-not-int"),
    pytest.param(lambda d: d.update(hide="/course"), "WorkerSpec.hide: expected a list, got str", id="not-a-list"),
    pytest.param(lambda d: d.update(message="started"), "expected a WorkerSpec message", id="another-message"),
])
def test_a_spec_that_does_not_match_its_type_is_refused_saying_where(change, words):
    with pytest.raises(SpecError, match=words.replace(".", r"\.")):
        WorkerSpec.from_json(edited(change))


def test_a_report_that_is_not_json_is_refused():
    with pytest.raises(SpecError, match="WorkerEnded: not JSON"):
        WorkerEnded.from_json(b'{"status": 0')


def test_failure_kinds_read_as_the_words_they_replace():
    assert FailureKind.TIMEOUT == "timeout" and f"{FailureKind.IMPORT_TIMEOUT}" == "import_timeout"
    assert json.dumps(FailureKind.MUTATED) == '"mutated"'
    assert FailureKind.of("syntax") is FailureKind.SYNTAX
    assert FailureKind.of("anything a worker made up") is FailureKind.RAISED


def test_flags_are_given_once_each_in_a_fixed_order_as_plain_words():
    events = [FailureKind.MEMORY, FailureKind.EXITED, FailureKind.TIMEOUT, FailureKind.CRASHED, FailureKind.RAISED]
    flags = flags_of(events)
    assert flags == ["timed out", "crashed", "ran out of memory"] and all(type(f) is str for f in flags)
    assert Flag.of("crashed") is Flag.CRASHED and Flag.of("renamed from x") is None
