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
from grader.engine.placement import move as placement_move
from grader.results import Status

two_cpus = pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                              reason="placement needs Linux and two CPUs")


def _may_move_other_users() -> bool:
    """Whether this process may move a worker of another uid: not root (its workers are its
    own, or in a user namespace it owns), or root with CAP_SYS_NICE (not in a default container)."""
    if os.geteuid() != 0:
        return True
    with open("/proc/self/status") as fh:
        effective = next(int(line.split()[1], 16) for line in fh if line.startswith("CapEff:"))
    return bool(effective >> 23 & 1)  # CAP_SYS_NICE


grader_moves = pytest.mark.skipif(not _may_move_other_users(),
                                  reason="root without CAP_SYS_NICE: the grader cannot move workers")


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


def test_no_placement_without_two_cpus_or_sched_setaffinity(sleeper, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert placement_for(_server(sleeper), environ={}) is None
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delattr(os, "sched_setaffinity", raising=False)  # macOS, Windows
    assert placement_for(_server(sleeper), environ={}) is None


@two_cpus
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


@two_cpus
def test_the_home_cpu_is_where_this_thread_runs():
    cpus = os.sched_getaffinity(0)
    try:
        for cpu in (max(cpus), min(cpus)):
            os.sched_setaffinity(0, {cpu})
            assert current_cpu() == cpu
    finally:
        os.sched_setaffinity(0, cpus)


@two_cpus
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


@two_cpus
@grader_moves
def test_a_worker_answers_on_the_graders_cpu_and_is_sent_back_before_its_kill(course, server, fork_grader,
                                                                              monkeypatch):
    from grader.engine import workers

    moved: list[tuple[int, set[int]]] = []  # every move of a worker the grader makes
    monkeypatch.setattr(workers, "move", lambda pid, to: (moved.append((pid, set(to))), placement_move(pid, to)))
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
    # Sent to the server's CPUs before the kill (and, while the grader waited, to its own).
    assert set(placement.rest) in [to for _, to in moved]
    assert all(to in (set(placement.rest), {placement.home}) for _, to in moved)
    # Unplaced, the same file fails: the check above can tell.
    unplaced = grade_source(fork_grader, "tensor_creation", source)
    assert _describe_status(unplaced) is not Status.PASSED


@two_cpus
@grader_moves
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


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="pidfds need Linux 5.3")
def test_a_worker_that_has_ended_is_not_moved(sleeper, monkeypatch):
    """Workers are moved by pid, and the pid of one that ended may be another process's:
    its pidfd must say it still runs."""
    from grader.engine import workers

    worker = workers.Worker.__new__(workers.Worker)
    worker.pid, worker.alive, worker._pidfd = sleeper.pid, True, os.pidfd_open(sleeper.pid)
    moved: list[int] = []
    monkeypatch.setattr(workers, "move", lambda pid, to: moved.append(pid))
    worker.place({0})
    assert moved == [sleeper.pid]
    sleeper.kill()
    sleeper.wait()
    worker.place({0})
    assert moved == [sleeper.pid]
    os.close(worker._pidfd)
