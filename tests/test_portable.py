"""The package imports on macOS and Windows, and the engine is chosen in one place (issue 15, item 3)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader.engine.starters import engine_name
from grader.errors import UsageError

# Runs in a fresh interpreter: the third-party libraries are imported first (as the real
# platform's would be), then sys.platform plays PLATFORM, the POSIX-only modules are made unimportable,
# and every call a module of grader could make that is Linux-only records who made it.
# Every module of the package is then imported; the calls recorded are printed.
PLAY = r"""
import ctypes, importlib, os, pkgutil, sys, traceback
for lib in ("numpy", "torch", "click", "jinja2", "nbformat", "pytest", "watchfiles", "distributed"):
    try:  # third-party: on the real platform they import their own platform's code
        importlib.import_module(lib)
    except ImportError:
        pass
sys.platform = PLATFORM
for name in ("resource", "fcntl", "termios", "pwd", "grp"):
    sys.modules[name] = None  # `import resource` now raises ImportError
calls = []

def ours():
    return any("/grader/" in f.filename and "/tests/" not in f.filename for f in traceback.extract_stack()[:-2])

def tripwire(what, real):
    def call(*args, **kwargs):
        if ours():
            calls.append(what)
        return real(*args, **kwargs)
    return call

ctypes.CDLL = tripwire("ctypes.CDLL", ctypes.CDLL)
os.fork = tripwire("os.fork", os.fork)
real_open = open
def guarded_open(file, *args, **kwargs):
    if str(file).startswith(("/proc", "/sys")) and ours():
        calls.append(f"open({file})")
    return real_open(file, *args, **kwargs)
import builtins
builtins.open = guarded_open

import grader
names = [m.name for m in pkgutil.walk_packages(grader.__path__, "grader.")]
for name in names:
    __import__(name)
print(len(names), sorted(set(calls)))
"""


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_importing_every_module_calls_nothing_linux_only(platform):
    run = subprocess.run([sys.executable, "-c", PLAY.replace("PLATFORM", repr(platform))],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    count, calls = run.stdout.split(" ", 1)
    assert int(count) > 40 and calls.strip() == "[]", run.stdout


@pytest.mark.parametrize("environ,platform,engine", [
    pytest.param({}, "linux", "fork", id="linux-default"),
    pytest.param({}, "darwin", "spawn", id="macos-default"),
    pytest.param({}, "win32", "spawn", id="windows-default"),
    pytest.param({"GRADER_ENGINE": "spawn"}, "linux", "spawn", id="forced-spawn"),
    pytest.param({"GRADER_ENGINE": " Fork "}, "linux", "fork", id="forced-fork"),
])
def test_the_engine_is_the_best_the_platform_allows_unless_forced(environ, platform, engine):
    assert engine_name(environ, platform) == engine


def test_an_unknown_engine_is_a_usage_error_naming_the_choices():
    with pytest.raises(UsageError, match="GRADER_ENGINE='vm' is not an engine: set it to fork or spawn"):
        engine_name({"GRADER_ENGINE": "vm"}, "linux")


def test_a_worker_reached_over_localhost_with_a_token_is_graded_as_through_a_socketpair(
        monkeypatch, spawn_grader):
    """The Windows way to reach a spawned worker (a localhost port and a one-time token), run here."""
    from helpers import ROOT, grade_source

    from grader.engine import spawnclient

    monkeypatch.setattr(spawnclient, "INHERIT_SOCKET", False)
    result = grade_source(spawn_grader, "tensor_creation", (ROOT / "reference" / "tensor_creation.py").read_text())
    assert result.score == 10, result.error


# A student who finds the lifeline (a pipe among its descriptors) and closes it at import.
CLOSES_PIPES = """
import os as _os
for _fd in _os.listdir("/proc/self/fd"):
    try:
        if _os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:"):
            _os.close(int(_fd))
    except OSError:
        pass
"""


@pytest.mark.parametrize("student", ["reference", "closes its lifeline"])
def test_a_spawned_worker_started_by_a_passing_thread_lives_until_its_grader_lets_go(tmp_path, student):
    """The grader starts the next worker from a short-lived thread (prestart). A worker tied to
    that thread by PR_SET_PDEATHSIG died with it (every check failed under spawn); it now
    watches a lifeline, its stdin, whose write end only the grader process holds. Closing
    that descriptor does not free a worker from it."""
    import os
    import shutil
    import threading
    import time

    from helpers import ROOT

    from grader.course.catalogue import Limits
    from grader.engine.spawnclient import SpawnStarter
    from grader.wire.spec import WorkerSpec

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copy(ROOT / "reference" / "tensor_creation.py", scratch / "m.py")
    if student != "reference":
        with open(scratch / "m.py", "a") as fh:
            fh.write(CLOSES_PIPES)
    os.chmod(tmp_path, 0o755)
    os.chmod(scratch, 0o777)
    spec = WorkerSpec(module="m", source=str(scratch / "m.py"), scratch=str(scratch), probes=None, limits=Limits())
    with SpawnStarter() as starter:
        channel = starter.connect()
        started = []
        thread = threading.Thread(target=lambda: started.append(channel.spawn(spec)))
        thread.start()
        thread.join()  # the thread that started the worker is gone
        worker = started[0]
        worker.wait_ready()
        assert worker.call("make_zeros", (2, 3), {}, timeout=30).shape == (2, 3)
        worker.supervision.proc.stdin.close()  # as when the grader process ends
        deadline = time.monotonic() + 20
        while worker.supervision.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert worker.supervision.proc.returncode == 0, "the worker outlived its grader"
        worker.close()
        channel.close()
