"""The spawn engine (issue 15, item 3): each worker is a fresh interpreter that imports torch,
for where forking a torch process is unsafe or impossible (macOS, Windows) or the fork
server's isolation calls are missing. One per student and assignment, kept for that
submission's calls, like a forked worker; it speaks the same framed transport and is told
the same WorkerSpec. The wall clock is enforced from here, as for the fork engine; the other
limits are what grader/sandbox/spawned.py can apply on this platform, and the report names
every layer that is missing.

Same interface as ForkServer: `connect()` gives a channel whose `spawn(spec)` returns a Worker.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from grader.engine.forkclient import boot_line, sandbox_env
from grader.engine.workers import Worker, WorkerSpec
from grader.errors import GraderError
from grader.wire.framing import FrameTimeout, PeerClosed, recv_frame, send_frame
from grader.wire.spec import WorkerEnded, WorkerStarted, kill_every_process_of, worker_uid

ADDRESS_PREFIX = "spawn:"  # a SpawnStarter's address, for pool processes: "spawn:" + its temp folder
# Where descriptors can be inherited (POSIX) the worker gets one end of a socketpair; else
# (Windows) it connects to a localhost port and proves itself with a one-time token.
INHERIT_SOCKET = os.name == "posix"
CONNECT_SECONDS = 30.0  # for a spawned interpreter to connect back (before it imports torch)
# For a fresh interpreter to import torch and confine itself, on a busy machine: not the
# student's time (their import_timeout starts counting once the worker says it is ready).
STARTUP_SECONDS = 60.0
EXIT_WAIT = 5.0  # after its socket closed, for the worker to exit before it is killed


class SpawnStarter:
    """The spawn engine's handle: nothing runs until a worker is asked for."""

    def __init__(self, prelude: str = "", tmp: str | None = None) -> None:
        self.prelude = prelude
        self._owned = tmp is None  # removed at close(); an attached starter shares its owner's
        self._dir = tmp or tempfile.mkdtemp(prefix="grader-sp-")
        self.path = ADDRESS_PREFIX + self._dir

    @classmethod
    def attach(cls, address: str) -> SpawnStarter:
        """The starter another process made (for pool processes): the same temp folder."""
        return cls(tmp=address.removeprefix(ADDRESS_PREFIX))

    def wait_ready(self) -> None:
        """Nothing to wait for: each worker imports torch itself."""

    def connect(self) -> SpawnChannel:
        """A channel that starts workers for one grading process."""
        return SpawnChannel(self.prelude, sandbox_env(self._dir))

    def close(self) -> None:
        """Remove the workers' temp folder (the workers themselves are closed by their handles)."""
        if self._owned:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SpawnStarter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SpawnChannel:
    """Starts one interpreter per worker and hands it its spec over its own socket."""

    def __init__(self, prelude: str, env: dict[str, str]) -> None:
        self.prelude, self.env = prelude, env

    def spawn(self, spec: WorkerSpec) -> Worker:
        """Start a worker for `spec`; it imports torch while the grader goes on."""
        sock, address, start_kwargs, accept = _socket_for_child()
        command = [sys.executable, "-I", "-c", boot_line(self.prelude, "grader.sandbox.spawned:main"), address]
        try:
            # A session of its own: the worker and everything it starts are killed as one group.
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=None,
                                    env=self.env, close_fds=True, **start_kwargs)
        except OSError as exc:
            sock.close()
            raise GraderError(f"could not start a Python interpreter for a worker ({exc})") from None
        try:
            sock = accept(sock)
            send_frame(sock, spec.to_json())
        except (OSError, FrameTimeout, PeerClosed) as exc:
            ChildProcess(proc).close()
            raise GraderError(f"a spawned worker did not connect ({exc})") from None
        return Worker(spec, sock, ChildProcess(proc))

    def close(self) -> None:
        """Nothing is held between workers."""


def _socket_for_child() -> tuple[socket.socket, str, dict, Callable[[socket.socket], socket.socket]]:
    """The grader's end, the address the child is given, Popen's extra arguments, and how to
    get the connected socket once the child runs."""
    if INHERIT_SOCKET:
        ours, theirs = socket.socketpair()
        fd = theirs.fileno()

        def inherited(sock: socket.socket) -> socket.socket:
            theirs.close()  # the child has its copy
            return sock

        return ours, f"fd:{fd}", {"pass_fds": (fd,), "start_new_session": True}, inherited
    listener = socket.create_server(("127.0.0.1", 0))
    token = secrets.token_hex(16)

    def accepted(server: socket.socket) -> socket.socket:
        # Untested on Windows itself (issue 15): the same code runs on Linux in the tests.
        try:
            deadline = time.monotonic() + CONNECT_SECONDS
            while True:
                server.settimeout(max(deadline - time.monotonic(), 0.01))
                conn, _ = server.accept()
                conn.settimeout(None)
                if bytes(recv_frame(conn, time.monotonic() + 5, max_bytes=64)) == token.encode():
                    return conn
                conn.close()  # another local process: not our worker
        finally:
            server.close()

    flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    extra = {"creationflags": flags} if flags else {"start_new_session": True}
    return listener, f"tcp:{listener.getsockname()[1]}:{token}", extra, accepted


class ChildProcess:
    """A spawned worker as the grader hears of it: the grader is its parent, so it knows its
    pid at once and its exit status from wait(); there is no memory cgroup to report OOM."""

    startup = STARTUP_SECONDS

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def started(self) -> WorkerStarted:
        """The pid; the layers missing come from the worker itself, before the student's code runs."""
        return WorkerStarted(self.proc.pid)

    def ended(self) -> WorkerEnded | None:
        """How the worker ended; one that closed its socket but runs on is killed after EXIT_WAIT."""
        try:
            self.proc.wait(EXIT_WAIT)
        except subprocess.TimeoutExpired:
            self.kill(self.proc.pid)
            self.proc.wait()
        return WorkerEnded(self.proc.returncode)

    def kill(self, pid: int) -> None:
        """Kill the worker's process group where there is one (POSIX), else the worker itself."""
        if hasattr(os, "killpg"):
            try:
                os.killpg(pid, signal.SIGKILL)
                return
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.kill()  # Windows: TerminateProcess (no Job Object yet: its children live on)

    def close(self) -> None:
        """Reap the process so no zombie is left, let go of its lifeline (its stdin), and, as
        root, kill what it left running under its uid (a daemon that left its session)."""
        if self.proc.returncode is None:
            self.kill(self.proc.pid)
            self.proc.wait()
        if self.proc.stdin:
            self.proc.stdin.close()
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            kill_every_process_of(worker_uid(self.proc.pid))

