"""The grader's handle on the fork server (grader/sandbox/forkserver.py): starts it, waits
until it has imported torch, gives each grading process a channel to it, and stops it.

This is the only place that names the server's module, and only as text (boot_line): the
grader never imports sandbox code.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import GraderError
from grader.tempdirs import temp_env

if TYPE_CHECKING:  # workers imports torch (1-2 s): the server must be started before that
    from grader.engine.workers import ServerChannel

# What the server warms up beyond torch itself (grader/sandbox/forkserver.py, warm_up): each
# pays off only over many workers. A single check asks for what its assignment needs.
FULL_WARM_UP = frozenset({"optimizer", "compare", "huge_pages"})
_BUILDS_OPTIMIZER = re.compile(rb"\boptim\b")  # torch.optim.X, from torch import optim, optim.X


def few_workers_warm_up(files: Iterable[Path]) -> frozenset[str]:
    """The warm-up for a command that starts a few workers (`grader check`, `grader ci`): the
    optimizer's lazy imports (~1 s) only when one of these files builds an optimizer, so
    that a worker would pay them anyway; never huge pages, which pay off over ~50 workers."""
    for path in files:
        try:
            if _BUILDS_OPTIMIZER.search(path.read_bytes()):
                return frozenset({"optimizer"})
        except OSError:
            continue  # unreadable: the grading says so; a guess costs only time
    return frozenset()


class ForkServer:
    """The fork engine: owns the fork-server process; `connect()` gives each grading process its channel.

    Starting returns at once: the server imports torch while the grader imports its own
    (about a second saved on every command); the first `connect()` waits until it is ready.
    """

    def __init__(self, prelude: str = "", warm_up: frozenset[str] = FULL_WARM_UP) -> None:
        # One private folder: the socket, and the server's temp folder (torch's caches
        # included); close() removes it all.
        self._dir: str | None = tempfile.mkdtemp(prefix="grader-fs-")
        self.path = os.path.join(self._dir, "sock")  # attach() gives a path and no folder
        self._ready = False
        server_tmp = os.path.join(self._dir, "tmp")
        os.mkdir(server_tmp)
        env = sandbox_env(server_tmp)
        env["GRADER_WARM_UP"] = ",".join(sorted(warm_up))  # read by the server's warm_up
        # -I: no user site-packages, no PYTHONPATH from the caller, no script folder;
        # boot_line puts the grader package's own folder first on sys.path.
        self.proc: subprocess.Popen[str] | None = subprocess.Popen(
            [sys.executable, "-I", "-c", boot_line(prelude), self.path], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=None, env=env, text=True)

    @classmethod
    def attach(cls, path: str) -> ForkServer:
        """A handle on a ready fork server another process started (for pool processes)."""
        server = cls.__new__(cls)
        server.path, server.proc, server._dir, server._ready = path, None, None, True
        return server

    def wait_ready(self) -> None:
        """Block until the server has imported torch; a clear error if it did not start."""
        if self._ready:
            return
        assert self.proc is not None
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.close()
            raise GraderError("the fork server did not start (is torch installed for this Python?)")
        self._ready = True

    def connect(self) -> ServerChannel:
        """A channel of this process's own to the server (waits until it is ready)."""
        from grader.engine.workers import ServerChannel

        self.wait_ready()
        return ServerChannel(self.path)

    def close(self) -> None:
        """Stop the server (if this process started it) and remove its folder."""
        if self.proc is None:  # attached: the owner closes it
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe:
                pipe.close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sandbox_env(tmp: str) -> dict[str, str]:
    """The environment of a process that runs sandbox code: nothing of the grader's but
    PATH and the locale, its own temp folder (torch's caches too), one thread."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")}
    env.update(temp_env(tmp), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


# -I drops PYTHONPATH, so put the folder holding the grader package on sys.path by hand:
# an editable checkout then works without installing, and nothing else is added.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def boot_line(prelude: str = "", entry: str = "grader.sandbox.forkserver:serve") -> str:
    """The `python -c` program that calls `entry` (module:function) with argv[1]: the fork
    server, or a spawned worker; `prelude` runs first (tests use it to play a kernel or
    machine without some layer)."""
    module, function = entry.split(":")
    return (f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); {prelude + '; ' if prelude else ''}"
            f"from {module} import {function}; {function}(sys.argv[1])")
