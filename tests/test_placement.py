"""CPU placement of a single grading process (grader/engine/placement.py): the grader and
the worker it talks to share a CPU while grading; the fork server, and workers starting or
ending, run on the others; everything is put back afterwards."""
from __future__ import annotations

import os
import subprocess

import pytest
from helpers import ROOT, grade_source

from grader.course.submission import SubmissionFile
from grader.engine.forkclient import ForkServer
from grader.engine.grading import Grader, Target
from grader.engine.placement import PLACEMENT_ENV, Placement, current_cpu, placed, placement_for
from grader.results import Status

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                                reason="placement needs Linux and two CPUs")


@pytest.fixture
def sleeper():
    """A process standing in for the fork server."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def _server(proc: subprocess.Popen | None) -> ForkServer:
    server = ForkServer.__new__(ForkServer)
    server.proc = proc
    return server


def test_only_one_grading_process_of_a_started_fork_server_is_placed(sleeper):
    cpus = os.sched_getaffinity(0)
    placement = placement_for(_server(sleeper), environ={})
    assert placement is not None
    assert placement.home in cpus and placement.rest == frozenset(cpus - {placement.home})
    assert placement.server == sleeper.pid
    assert placement_for(_server(sleeper), jobs=2, environ={}) is None  # a pool shares the CPUs
    assert placement_for(_server(None), environ={}) is None  # attached: another process owns it
    assert placement_for(object(), environ={}) is None  # the spawn engine has no server process
    assert placement_for(_server(sleeper), environ={PLACEMENT_ENV: "off"}) is None


def test_the_home_cpu_is_where_the_process_runs():
    assert current_cpu() in os.sched_getaffinity(0)


def test_placed_moves_this_thread_and_the_server_and_puts_them_back(sleeper):
    cpus = os.sched_getaffinity(0)
    home = min(cpus)
    placement = Placement(home, frozenset(cpus - {home}), sleeper.pid)
    with pytest.raises(RuntimeError):
        with placed(placement):
            assert os.sched_getaffinity(0) == {home}
            assert os.sched_getaffinity(sleeper.pid) == cpus - {home}
            raise RuntimeError("a grading that fails still puts them back")
    assert os.sched_getaffinity(0) == cpus
    assert os.sched_getaffinity(sleeper.pid) == cpus


# The reference, except that describe() fails unless the call runs on the grader's CPU
# and the module was imported while placed (on the server's CPUs, or on the grader's once
# the grader waits for it).
WHERE = """
import os as _os
_IMPORTED_ON = _os.sched_getaffinity(0)
_describe = describe


def describe(t):
    if _IMPORTED_ON not in ({rest}, {{{home}}}) or _os.sched_getaffinity(0) != {{{home}}}:
        raise RuntimeError(f"imported on {{sorted(_IMPORTED_ON)}}, called on {{sorted(_os.sched_getaffinity(0))}}")
    return _describe(t)
"""

# An import that takes a while: it ends as soon as it runs on the grader's CPU, or after 5 s.
SLOW_IMPORT = """
import os as _os
import time as _time
_deadline = _time.monotonic() + 5
while _os.sched_getaffinity(0) != {{{home}}} and _time.monotonic() < _deadline:
    _time.sleep(0.01)
_MOVED = _os.sched_getaffinity(0) == {{{home}}}
_describe = describe


def describe(t):
    if not _MOVED:
        raise RuntimeError("the import stayed on the server's CPUs while the grader waited")
    return _describe(t)
"""


def _describe_status(result):
    return {c.check_id: c.status for c in result.checks}["describe"]


def test_a_worker_answers_on_the_graders_cpu_and_is_sent_back_before_its_kill(course, server, fork_grader,
                                                                              monkeypatch):
    from grader.engine import workers

    moved: list[tuple[int, set[int]]] = []  # workers sent back to the server's CPUs before their kill
    monkeypatch.setattr(workers, "move", lambda pid, to: (moved.append((pid, set(to))), os.sched_setaffinity(pid, to)))
    cpus = os.sched_getaffinity(0)
    placement = placement_for(server, environ={})
    assert placement is not None
    source = (ROOT / "reference" / "tensor_creation.py").read_text() + WHERE.format(
        rest=set(placement.rest), home=placement.home)
    file = SubmissionFile("tensor_creation.py", source.encode())
    with Grader(course, server, placement=placement, expected_values=fork_grader.expected_values) as placed_grader:
        # Two students: the first one's worker is retired while the second one's checks run.
        results = placed_grader.grade(course.get("tensor_creation"), [Target("a", file), Target("b", file)])
    for result in results:
        assert _describe_status(result) is Status.PASSED, result.checks
        assert result.score == result.max_score
    assert os.sched_getaffinity(0) == cpus and os.sched_getaffinity(server.proc.pid) == cpus  # put back
    assert moved and all(to == set(placement.rest) for _, to in moved)
    # Unplaced, the same file fails: the check above can tell.
    unplaced = grade_source(fork_grader, "tensor_creation", source)
    assert _describe_status(unplaced) is not Status.PASSED


def test_a_worker_the_grader_waits_for_imports_on_the_graders_cpu(course, server, fork_grader):
    """While the grader waits for an import its own CPU is idle: the import moves there."""
    placement = placement_for(server, environ={})
    assert placement is not None
    source = (ROOT / "reference" / "tensor_creation.py").read_text() + SLOW_IMPORT.format(home=placement.home)
    with Grader(course, server, placement=placement, expected_values=fork_grader.expected_values) as placed_grader:
        result = grade_source(placed_grader, "tensor_creation", source)
    assert _describe_status(result) is Status.PASSED, result.checks
    # Unplaced, the import stays where it is and says so.
    assert _describe_status(grade_source(fork_grader, "tensor_creation", source)) is not Status.PASSED
