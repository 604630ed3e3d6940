"""Issue 20: workers start ahead of their checks, and a checkout's expected values are
kept on disk. Behaviour only: timings are the benchmark's (benchmarks/bench.py)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.course.catalogue import load_course
from grader.course.submission import SubmissionFile
from grader.engine.expected_cache import cache_path, load_cached
from grader.engine.grading import Grader, Target, make_handle, run_assignment
from grader.engine.handles import ExpectedValues, StudentHandle
from grader.engine.plugin import GraderPlugin, run_suite

CHECKS = '''\
from grader.authoring.checks import expect_close, points


@points(1)
def test_double(student, expected):
    """double doubles"""
    expect_close(student.double([1.0, 2.0]), expected.double([1.0, 2.0]), "double([1.0, 2.0])")


@points(1)
def test_double_again(student, expected):
    """double doubles again"""
    expect_close(student.double([3.0]), expected.double([3.0]), "double([3.0])")
'''
REFERENCE = "import torch\n\n\ndef double(x):\n    return torch.tensor(x) * 2\n"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A course of one small assignment, with the expected-values cache in tmp_path."""
    folder = tmp_path / "course" / "assignments" / "tiny"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('title = "Tiny"\norder = 1\npoints = 2\n')
    (folder / "checks_public.py").write_text(CHECKS)
    (tmp_path / "course" / "reference").mkdir()
    (tmp_path / "course" / "reference" / "tiny.py").write_text(REFERENCE)
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    return load_course(tmp_path / "course")


class NoServer:
    """A fork server that must not be used: any worker started is a reference run."""

    path = "/nonexistent"

    def connect(self):
        raise AssertionError("a worker was started")


def _grade(grader: Grader, source: str = REFERENCE):
    a = grader.course.get("tiny")
    return grader.grade(a, [Target("s", SubmissionFile("tiny.py", source.encode()))])[0]


def test_the_second_run_reads_the_expected_values_from_disk(tiny, server):
    with Grader(tiny, server, cache_expected=True) as first:
        values = first.expected(tiny.get("tiny"))
    path = cache_path(tiny, tiny.get("tiny"), include_hidden=True)
    assert load_cached(path) == values
    with Grader(tiny, NoServer(), cache_expected=True) as second:  # no reference run: no worker at all
        assert second.expected(tiny.get("tiny")) == values


def test_a_changed_check_file_invalidates_the_cache(tiny, server):
    a = tiny.get("tiny")
    with Grader(tiny, server, cache_expected=True) as g:
        g.expected(a)
    before = cache_path(tiny, a, include_hidden=True)
    a.public_checks.write_text(CHECKS + "\n# a comment is a change too\n")
    after = cache_path(tiny, a, include_hidden=True)
    assert after != before and load_cached(after) is None
    with Grader(tiny, NoServer(), cache_expected=True) as g, pytest.raises(AssertionError, match="worker"):
        g.expected(a)  # the reference must run again
    with Grader(tiny, server, cache_expected=True) as g:
        assert _grade(g).score == 2
    assert load_cached(after) is not None and not before.exists()  # the old key is dropped


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"schema": "grader.expected/1", "values": 3}',
                                     b'{"schema": "grader.expected/1", "values": {"k": "%%%"}}', b"\xff\xfe"])
def test_a_corrupt_cache_is_rebuilt(tiny, server, garbage):
    a = tiny.get("tiny")
    path = cache_path(tiny, a, include_hidden=True)
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    with Grader(tiny, server, cache_expected=True) as g:
        assert _grade(g).score == 2
    assert load_cached(path) is not None


def test_the_cache_is_private_and_hidden_from_workers(tiny, server):
    with Grader(tiny, server, cache_expected=True) as g:
        g.expected(tiny.get("tiny"))
        assert str(tiny.root.parent / "cache") in g.hide
    path = cache_path(tiny, tiny.get("tiny"), include_hidden=True)
    assert path.stat().st_mode & 0o077 == 0


class Recorder(StudentHandle):
    """A handle that logs when it is started and called, and answers like the reference."""

    def __init__(self, name: str, log: list) -> None:
        super().__init__(None, None)
        self.name, self.log = name, log

    def prestart(self) -> None:
        self.log.append(("prestart", self.name))

    def call(self, probe, *args, **kwargs):
        self.log.append(("call", self.name))
        import torch
        return torch.tensor(args[0]) * 2

    def retire(self) -> None:
        self.log.append(("retire", self.name))

    def close(self) -> None:
        self.log.append(("close", self.name))


def test_the_next_students_worker_starts_before_this_students_checks(tiny):
    a = tiny.get("tiny")
    log: list = []
    targets = [(n, lambda n=n: Recorder(n, log)) for n in ("s0", "s1", "s2")]
    import torch
    expected = ExpectedValues({}, source=None)
    expected.call = lambda probe, *args, **kw: torch.tensor(args[0]) * 2  # type: ignore[method-assign]
    plugin = GraderPlugin(targets, expected, None, b"key")
    run_suite([a.public_checks], plugin, tiny.root)
    assert all(c.passed for r in plugin.results.values() for c in r)
    assert log[0] == ("prestart", "s0")  # before the first check is set up
    for this, after in (("s0", "s1"), ("s1", "s2")):
        first_call = log.index(("call", this))
        assert log.index(("prestart", after)) < first_call  # started while `this` is checked
        assert log.index(("retire", this)) < log.index(("call", after))  # one student's checks at a time


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _started(handle: StudentHandle):
    start = handle._start
    assert start is not None
    for _ in range(500):
        if start.worker is not None:
            return start.worker
        time.sleep(0.01)
    raise AssertionError("the worker did not start")


def test_a_prestarted_worker_that_is_never_used_is_killed(tiny, server, tmp_path):
    with Grader(tiny, server) as g:
        slow = "import time\ntime.sleep(30)\n"  # still importing when the grading is called off
        handle = make_handle(g.channel, tiny.get("tiny"), Target("s", SubmissionFile("tiny.py", slow.encode())),
                             tmp_path / "scratch", {})
        handle.prestart()
        pid = _started(handle).pid
        assert _alive(pid)
        started = time.monotonic()
        handle.close()
        assert time.monotonic() - started < 5  # killed, not waited out
        for _ in range(200):
            if not _alive(pid):
                break
            time.sleep(0.01)
        assert not _alive(pid)


def test_the_import_limit_counts_from_the_workers_start_not_from_the_first_call(tiny, server, tmp_path):
    """A worker that became ready within its limit is ready, however long its first call waits."""
    with Grader(tiny, server, limits={"import_timeout": 1.0}) as g:
        quick = REFERENCE + "import time\ntime.sleep(0.3)\n"
        handle = make_handle(g.channel, tiny.get("tiny"), Target("s", SubmissionFile("tiny.py", quick.encode())),
                             tmp_path / "scratch", {"import_timeout": 1.0})
        handle.prestart()
        time.sleep(1.5)  # the student before it takes long
        assert handle.double([1.0]).tolist() == [2.0]
        handle.close()

        hangs = "while True:\n    pass\n"
        handle = make_handle(g.channel, tiny.get("tiny"), Target("s", SubmissionFile("tiny.py", hangs.encode())),
                             tmp_path / "scratch2", {"import_timeout": 1.0})
        handle.prestart()
        time.sleep(1.5)
        started = time.monotonic()
        with pytest.raises(Exception, match="timed out after 1 s"):
            handle.double([1.0])
        assert time.monotonic() - started < 0.9  # its limit was already spent while it waited
        handle.close()


def test_an_interrupted_grading_leaves_no_worker(tiny, server, tmp_path):
    """Ctrl-C in the first student's checks: the second student's worker, already started, is killed."""
    a = tiny.get("tiny")
    a.public_checks.write_text(CHECKS.replace('    """double doubles"""\n',
                                              '    """double doubles"""\n    raise KeyboardInterrupt\n', 1))
    children = lambda: [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == server.proc.pid]
    with Grader(tiny, server) as g:
        g.expected_values["tiny"] = {}
        targets = [Target(f"s{i}", SubmissionFile("tiny.py", b"import time\ntime.sleep(30)\n")) for i in range(2)]
        run_assignment(g.channel, a, targets, ExpectedValues({}), False, g.scratch, {}, g.hide, hidden_key=b"k")
    for _ in range(300):
        if not [p for p in children() if _alive(int(p))]:
            break
        time.sleep(0.01)
    assert not [p for p in children() if _alive(int(p))]


def _parent(pid: str) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_resetting_torch_state_is_cheap_and_still_undoes_the_students_settings():
    """Between calls the worker undoes what the student set (THREATS 55); setting
    deterministic mode imports torch._dynamo and sympy (~1 s, every worker of a cold check
    paid it), so it is turned off only when it is on; the seed is the CPU generator's."""
    import subprocess
    import sys

    script = (
        "import sys, torch\n"
        "from grader.sandbox.worker import reset_torch_state\n"
        "reset_torch_state(); print('dynamo' if 'torch._dynamo' in sys.modules else 'lean')\n"
        "for warn_only in (False, True):\n"
        "    torch.use_deterministic_algorithms(True, warn_only=warn_only)\n"
        "    reset_torch_state(); print(torch.are_deterministic_algorithms_enabled())\n"
        "torch.manual_seed(1234); torch.randn(5); reset_torch_state(); a = torch.randn(3)\n"
        "torch.manual_seed(0); print(torch.equal(a, torch.randn(3)))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["lean", "False", "False", "True"]


def test_a_wrong_answer_is_told_where_without_importing_sympy():
    """The first failed expect_close of a cold `grader check` names the worst element's index
    in pure Python: torch.unravel_index imports sympy (0.3 s)."""
    import subprocess
    import sys

    script = (
        "import sys, torch\n"
        "from grader.authoring.checks import CheckFailure, expect_close\n"
        "want = torch.zeros(2, 3, 4); got = want.clone(); got[1, 2, 0] = 5; got[0, 1, 3] = 1\n"
        "try:\n"
        "    expect_close(got, want, 't')\n"
        "except CheckFailure as f:\n"
        "    print(f.message); print(f.details['difference']['at'] if 'difference' in f.details else f.details)\n"
        "print('sympy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "2 of 24 elements differ, the largest by 5 at index (1, 2, 0)" in out, out
    assert out.strip().endswith("False"), out
