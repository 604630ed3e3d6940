"""Null students (grader/course/null_students.py): submissions that do no work score nothing."""
from __future__ import annotations

import shutil
import subprocess
import sys
import types

import pytest
import torch
from helpers import ROOT

from grader.course.catalogue import load_course
from grader.course.null_students import NULL_KINDS, null_source, null_students
from grader.course.submission import SubmissionFile
from grader.engine.grading import Target
from grader.engine.validation import validate_assignment

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]


def load(source: str) -> types.ModuleType:
    module = types.ModuleType("null")
    exec(compile(source, "null.py", "exec"), module.__dict__)
    return module


def stub(aid: str) -> str:
    return (COURSE.template_dir / f"{aid}.py").read_text()


def test_functions_return_none_their_first_argument_or_raise():
    x = torch.ones(2)
    assert load(null_source(stub("gotchas"), "returns-None")).mse(x, x) is None
    assert load(null_source(stub("gotchas"), "returns-first-arg")).mse(x, x) is x
    assert load(null_source(stub("xor"), "returns-first-arg")).xor_data() is None  # no argument to return
    with pytest.raises(ValueError):
        load(null_source(stub("gotchas"), "raises")).normalize_rows(x)


def test_classes_keep_their_base_and_get_null_methods():
    x = torch.ones(1, 10)
    for kind, forward in (("returns-None", None), ("returns-first-arg", x)):
        net = load(null_source(stub("simple_net"), kind)).SimpleNet()
        assert isinstance(net, torch.nn.Module) and list(net.parameters()) == []
        assert net(x) is forward
    with pytest.raises(ValueError):
        load(null_source(stub("simple_net"), "raises")).SimpleNet()


def test_every_stub_gives_every_kind():
    for aid in IDS:
        assert set(null_students(stub(aid))) == {f"null {kind}" for kind in NULL_KINDS}


@pytest.mark.parametrize("aid", IDS)
def test_null_students_score_nothing(grader, aid):
    a = COURSE.get(aid)
    targets = [Target(name, SubmissionFile(f"{aid}.py", source.encode()))
               for name, source in null_students(stub(aid)).items()]
    for target, result in zip(targets, grader.grade(a, targets)):
        earned = {c.check_id: c.score for c in result.checks if c.score}
        assert result.score == 0, f"{target.student} earned {earned}"
        assert all(c.message for c in result.checks if not c.passed)


def test_validate_reports_null_students_like_mutants(grader):
    rows = [r for r in validate_assignment(grader, COURSE.get("autograd_basics")) if r.case.startswith("null ")]
    assert [r.case for r in rows] == [f"null {kind}" for kind in NULL_KINDS]
    assert all(r.ok and r.expected == "0" and r.got == "0" for r in rows)


def test_validate_flags_a_check_that_pays_for_nothing(tmp_path):
    course = tmp_path / "course"
    for folder in ("reference", "student_template"):
        (course / folder).mkdir(parents=True)
        shutil.copy(ROOT / folder / "tensor_creation.py", course / folder)
    shutil.copytree(ROOT / "assignments" / "tensor_creation", course / "assignments" / "tensor_creation")
    checks = course / "assignments" / "tensor_creation" / "checks_public.py"
    doc = '"""from_data makes float32 tensors from lists and nested lists"""'
    checks.write_text(checks.read_text().replace(doc, doc + "\n    return"))  # a point for anything
    # A process of its own: pytest keeps a check module imported by name, and this session
    # has imported the course's own tensor_creation checks under the same name.
    result = subprocess.run([sys.executable, "-m", "grader.cli", "validate", "--course", str(course)],
                            capture_output=True, text=True, timeout=300)
    bad = [line for line in result.stdout.splitlines() if line.startswith("BAD") and "null" in line]
    assert result.returncode == 1 and len(bad) == len(NULL_KINDS), result.stdout + result.stderr
    assert all(line.endswith("expected 0; got 1") for line in bad), bad
