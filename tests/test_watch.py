"""`grader check --watch`: verdicts follow real saves; Ctrl-C leaves no process behind."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.engine import watch
from grader.engine.watch import Verdict
from grader.results import AssignmentResult, CheckResult, Status

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "reference" / "tensor_creation.py").read_text()
BROKEN = REFERENCE.replace("float32", "float64")  # fails from_data, with its hint
SYNTAX_ERROR = "def from_data(:\n    pass\n"
SLOW = 240.0  # seconds: a loaded 2-core machine starts torch and records the expected values slowly


class Lines:
    """A child's stdout, read by a thread so the test can wait for a line with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        self._proc = proc
        self._pump_thread = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        self._pump_thread.start()

    def close(self) -> None:
        """After the child exits: the rest read, the pipe closed."""
        self._pump_thread.join(timeout=10)
        self._proc.stdout.close()  # type: ignore[union-attr]

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def until(self, text: str, timeout: float = SLOW) -> list[str]:
        """The lines read up to and including the first that contains text."""
        start, deadline = len(self.seen), time.monotonic() + timeout
        while True:
            try:
                line = self._q.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"no line with {text!r}; output so far:\n" + "\n".join(self.seen))
            self.seen.append(line)
            if text in line:
                return self.seen[start:]


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_verdicts_follow_saves_and_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from grader.cli import main; main()", "check", "--watch", "tensor_creation",
         "--dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
        start_new_session=True)  # its own process group, as a terminal's foreground job
    out = Lines(proc)
    try:
        out.until("Watching")
        time.sleep(2)  # the watcher registers with inotify just after it says so
        student = tmp_path / "tensor_creation.py"
        student.write_text(REFERENCE)
        assert "All public checks pass." in out.until("public checks")[-1]

        student.write_text(BROKEN)
        run = out.until("First to fix:")
        assert "Some checks fail: see the hints above." in run
        assert run[-1].startswith("First to fix: from_data makes float32 tensors") and "dtype=torch.float32" in run[-1]

        student.write_text(SYNTAX_ERROR)
        run = out.until("First to fix:")
        assert any("SyntaxError" in line for line in run) and "syntax error" in run[-1]

        children = _descendants(proc.pid)
        assert children, "the fork server runs under the watcher"
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        assert proc.wait(timeout=60) == 130
        out.until("Stopped watching.", timeout=10)
        assert not [line for line in out.seen if "Traceback" in line]
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in children if _alive(p)], "a process outlived Ctrl-C"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()


def test_polling_sees_writes_creations_and_removals(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    changes = watch.polling_changes(tmp_path, {"a.py", "b.py"}, every=0.01)
    (tmp_path / "a.py").write_text("x = 22\n")
    assert next(changes) == {"a.py"}
    (tmp_path / "b.py").write_text("y = 1\n")
    (tmp_path / "notes.txt").write_text("not watched\n")
    assert next(changes) == {"b.py"}
    (tmp_path / "a.py").unlink()
    assert next(changes) == {"a.py"}


def test_polling_without_watchfiles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # import watchfiles now raises ImportError
    monkeypatch.setattr(watch, "polling_changes", lambda folder, names: ("polling", folder, names))
    assert watch.change_source(tmp_path, {"a.py"}) == ("polling", tmp_path, {"a.py"})


class _Assignment:
    def __init__(self, id: str) -> None:
        self.id = id


def test_a_save_during_a_run_is_checked_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    student = tmp_path / "tensor_creation.py"
    student.write_text("first\n")
    graded: list[str] = []

    def check_once(grader, folder, assignments, color):  # the student saves while the first run goes
        graded.append(student.read_text())
        if len(graded) == 1:
            student.write_text("second, newer\n")
        return Verdict([f"graded {graded[-1]!r}"], True, None)

    monkeypatch.setattr(watch, "check_once", check_once)
    shown: list[str] = []
    verdict, seen = watch.fresh_verdict(None, tmp_path, (_Assignment("tensor_creation"),), False,  # type: ignore[arg-type]
                                        shown.append)
    assert graded == ["first\n", "second, newer\n"]
    assert verdict.lines == ["graded 'second, newer\\n'"] and "checking the newest file" in shown[0]
    assert seen == watch.signatures(tmp_path, ["tensor_creation.py", "tensor_creation.ipynb"])


def test_watch_checks_only_the_assignment_that_changed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    a, b = _Assignment("tensor_creation"), _Assignment("autograd_basics")
    (tmp_path / "autograd_basics.ipynb").write_text("{}")
    runs: list[list[str]] = []
    monkeypatch.setattr(watch, "check_once", lambda g, f, due, c: runs.append([x.id for x in due]) or
                        Verdict(["Some checks fail: see the hints above."], False, "t: h"))

    def saves():
        (tmp_path / "tensor_creation.py").write_text("x = 1\n")
        yield {"tensor_creation.py"}
        (tmp_path / "notes.txt").write_text("not an assignment\n")
        yield {"notes.txt"}
        yield {"tensor_creation.py"}  # an event again, the file unchanged since it was checked
        (tmp_path / "autograd_basics.ipynb").write_text('{"cells": []}')
        (tmp_path / "tensor_creation.py").write_text("x = 22\n")
        yield {"autograd_basics.ipynb", "tensor_creation.py"}

    shown: list[str] = []
    watch.watch(None, tmp_path, (a, b), shown.append, changes=saves())  # type: ignore[arg-type]
    assert runs == [["autograd_basics"], ["tensor_creation"], ["tensor_creation", "autograd_basics"]]
    assert shown.count("First to fix: t: h") == 3


def test_a_check_skipped_here_is_nothing_to_fix() -> None:
    def result(*statuses: Status) -> AssignmentResult:
        checks = tuple(CheckResult(f"c{i}", f"check {i}", s, 0, 1, message="why", hint="how")
                       for i, s in enumerate(statuses))
        return AssignmentResult("gpu", "GPU", len(checks), checks, graded_file="gpu.py")

    assert watch._first_to_fix(result(Status.PASSED, Status.SKIPPED)) is None  # a GPU check on a CPU machine
    assert watch._first_to_fix(result(Status.SKIPPED, Status.ERROR, Status.FAILED)) == "check 1: how"
    assert watch._first_to_fix(AssignmentResult("gpu", "GPU", 1, error="not handed in: no gpu.py")) == \
        "GPU: not handed in: no gpu.py"
