"""The grader's side of the sandbox: a worker, however its engine started it, and its calls.

Deadlines are enforced here, outside the worker: when a call runs past its time the
worker gets SIGKILL (forked: as PID 1 of its own namespace, everything it started dies
too; spawned: with its process group). What the engine says of it is a Supervision.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from grader.engine.placement import move
from grader.errors import GraderError
from grader.wire import boundary, transport
from grader.wire.framing import FrameTimeout, FrameTooLarge, PeerClosed, recv_frame, send_frame
from grader.wire.spec import FailureKind, SpecError, WorkerEnded, WorkerSpec, WorkerStarted

__all__ = ["FailureKind", "ServerChannel", "Worker", "WorkerFailure", "WorkerSpec", "failure_from_error"]


IMPORT_HINT = ("Move slow work (training, downloads, input()) under "
               "`if __name__ == \"__main__\":` so importing stays fast.")
NOTEBOOK_HINT = ("All of a notebook's cells together get {limit:g} s in grading: shorten or delete "
                 "long demo cells (training runs, sleeps) before you submit.")


class WorkerFailure(Exception):
    """A call did not produce an answer: kind says why, message says it to a student."""

    def __init__(self, kind: FailureKind, message: str, hint: str = "", stub: str = "") -> None:
        super().__init__(message)
        self.kind = FailureKind(kind)
        self.message = message
        self.hint = hint
        self.stub = stub  # the function that still raises the stub's NotImplementedError, if that is why


class Supervision(Protocol):
    """How the grader hears of one worker and stops it, whichever engine started it."""

    startup: float  # seconds the worker may take to start, before the student's time begins
    def started(self) -> WorkerStarted: ...
    def ended(self) -> WorkerEnded | None: ...
    def kill(self, pid: int) -> None: ...
    def close(self) -> None: ...


class StatusPipe:
    """The worker's parent (the fork server, or its supervisor), heard through a pipe:
    WorkerStarted, then WorkerEnded (JSON lines)."""

    startup = 0.0  # a forked worker is ready in milliseconds

    def __init__(self, fd: int, pidfd: int | None = None) -> None:
        self._file = os.fdopen(fd, "rb")
        self._pidfd = pidfd  # the worker itself, whatever its pid comes to name later

    def started(self) -> WorkerStarted:
        """The worker's pid and missing layers; GraderError if its parent could not say."""
        try:
            return WorkerStarted.from_json(self._file.readline())
        except SpecError as exc:
            raise GraderError(f"the fork server could not start a worker ({exc})") from None

    def ended(self) -> WorkerEnded | None:
        """How the worker ended (waits for it); None if its parent went away without saying."""
        try:
            line = self._file.readline()
            return WorkerEnded.from_json(line) if line.strip() else None
        except (OSError, SpecError):
            return None

    def kill(self, pid: int) -> None:
        """SIGKILL: the worker is PID 1 of its own namespace, so everything it started dies too.
        Through its pidfd where there is one: the pid of a worker that already ended may be
        another student's worker by now."""
        try:
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self._file.close()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


class Channel(Protocol):
    """A grading process's way to start workers: the fork server's or the spawn engine's."""

    def spawn(self, spec: WorkerSpec) -> Worker:
        """Start a worker for `spec` (its module not yet imported: see Worker.wait_ready)."""

    def close(self) -> None:
        """Stop using this channel."""


class ServerChannel:
    """One grading process's connection to the fork server."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)

    def spawn(self, spec: WorkerSpec) -> Worker:
        """Ask the fork server for a worker; it answers with its socket and its status pipe."""
        send_frame(self.sock, spec.to_json())
        msg, fds, _, _ = socket.recv_fds(self.sock, 4, 3)
        if len(msg) == 4 and struct.unpack("!I", msg)[0] == 0 and not fds:
            raise WorkerFailure(FailureKind.SANDBOX, "the grader could not start a sandbox for this code: the "
                                "machine ran out of processes or memory at that moment",
                                "Nothing in your code needs to change for this: grade it again.")
        if len(fds) not in (2, 3) or struct.unpack("!I", msg)[0] != len(fds):
            for fd in fds:
                os.close(fd)
            raise GraderError("the fork server stopped answering")
        return Worker(spec, socket.socket(fileno=fds[0]), StatusPipe(fds[1], fds[2] if len(fds) == 3 else None))

    def close(self) -> None:
        """Kill the worker if it still runs and close its descriptors."""
        self.sock.close()


class Worker:
    """One sandboxed process running one student's module for one assignment."""

    def __init__(self, spec: WorkerSpec, sock: socket.socket, supervision: Supervision) -> None:
        self.spec = spec
        self.sock = sock
        self.supervision = supervision
        first = supervision.started()
        self.pid = first.pid
        self.missing_layers: list[str] = list(first.missing)
        self.alive = True
        self._ended: WorkerEnded | None = None
        self._heard_end = False
        self.load_notes: list[str] = []
        # A placed worker (spec.cpu) is moved by pid: its pidfd says whether that pid is still
        # this worker (one that ended is reaped at once, and its pid can be reused).
        self._pidfd = _pidfd(self.pid) if spec.cpu is not None else None

    def place(self, cpus: set[int] | frozenset[int]) -> None:
        """Move the worker to `cpus` (grader/engine/placement.py) if it still runs."""
        pidfd = self._pidfd
        if pidfd is None or not self.alive:
            return
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(0):  # no event: not ended (a pidfd closed meanwhile gives POLLNVAL)
            move(self.pid, cpus)  # so the pid is still this worker's

    def wait_ready(self) -> None:
        """Wait for the student's module to import; raise WorkerFailure if it did not."""
        limits = self.spec.limits
        name = self.spec.display_name or Path(self.spec.source).name
        try:
            # Sent before the student's module is imported (a spawned worker imports torch first).
            layers = self._receive(limits.import_timeout + self.supervision.startup)
            self.missing_layers[:] = layers.get("missing_layers", [])
        except FrameTimeout:
            raise self._too_slow(f"importing {name} timed out after {limits.import_timeout:g} s") from None
        # A notebook's budget is the assignment's, whatever its cell count (THREATS 60).
        limit = limits.notebook_timeout if self.spec.notebook else limits.import_timeout
        try:
            reply = self._receive(limit)
        except FrameTimeout:
            if self.spec.notebook:
                raise self._too_slow(f"{name}: the notebook ran past its {limit:g} s budget and was stopped",
                                     NOTEBOOK_HINT.format(limit=limit)) from None
            raise self._too_slow(f"importing {name} timed out after {limit:g} s") from None
        if "import_error" in reply:
            self.close()
            raise failure_from_error(reply["import_error"], f"importing {name}")
        self.load_notes = reply.get("notes", [])

    def _too_slow(self, message: str, hint: str = IMPORT_HINT) -> WorkerFailure:
        self.kill()
        return WorkerFailure(FailureKind.IMPORT_TIMEOUT, message, hint)

    def call(self, probe: str, args: tuple, kwargs: dict, timeout: float) -> Any:
        """Run a probe in the worker and return its decoded plain-data result."""
        if not self.alive:
            raise WorkerFailure(FailureKind.DEAD, "the worker is no longer running")
        request = transport.encode({"probe": probe, "args": list(args), "kwargs": kwargs})
        try:
            # A deadline on the send too: a worker can write answers to calls it never reads,
            # and the grader would keep sending until the socket's buffer is full, then block.
            send_frame(self.sock, request, time.monotonic() + timeout)
        except FrameTimeout:
            self.kill()
            raise WorkerFailure(FailureKind.TIMEOUT, f"{probe}() timed out after {timeout:g} s (the worker "
                                "stopped reading the grader's calls)") from None
        except OSError:
            raise self._death() from None
        try:
            reply = self._receive(timeout)
        except FrameTimeout:
            self.kill()
            raise WorkerFailure(FailureKind.TIMEOUT, f"{probe}() timed out after {timeout:g} s",
                                "Look for a loop that never ends or far more work than the task needs.") from None
        if "error" in reply:
            raise failure_from_error(reply["error"], f"{probe}()")
        if "ok" not in reply:  # a frame the student's code wrote itself: the replies are out of step
            self.kill()
            raise WorkerFailure(FailureKind.RESULT, "the worker sent an unreadable answer")
        return reply["ok"]

    def _receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        try:
            data = recv_frame(self.sock, deadline, max_bytes=self.spec.limits.result_mb * 2**20 + 4096)
        except PeerClosed:
            raise self._death() from None
        except FrameTooLarge:
            self.kill()
            raise WorkerFailure(FailureKind.RESULT, f"the result is larger than {self.spec.limits.result_mb} MiB") from None
        try:
            reply = transport.decode(data)
        except transport.AnswerTooLarge as exc:
            self.kill()
            raise WorkerFailure(FailureKind.RESULT, f"the answer is too large or complex to grade ({exc})",
                                "Return what the task asks for: tensors, numbers or short lists.") from None
        except transport.TransportError as exc:
            self.kill()
            raise WorkerFailure(FailureKind.RESULT, f"the worker sent an unreadable answer ({exc})") from None
        finally:
            del data  # up to result_mb, and a failure's traceback would keep this frame alive
        if type(reply) is not dict:
            self.kill()
            raise WorkerFailure(FailureKind.RESULT, "the worker sent an unreadable answer")
        return boundary.clean_reply(reply)  # nothing of the grader sees the worker's text before this

    def _death(self) -> WorkerFailure:
        """Explain why the worker went away, from its parent's last report."""
        self.alive = False
        ended = self._exit_status()
        if ended is None:
            return WorkerFailure(FailureKind.CRASHED, "the worker stopped answering")
        if ended.oom:
            return WorkerFailure(FailureKind.MEMORY, f"the student's code ran out of memory (the limit is "
                                 f"{self.spec.limits.memory_mb} MiB) and was killed",
                                 "Use smaller tensors; nothing in these tasks needs gigabytes.")
        if ended.returncode < 0:
            sig = -ended.returncode
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            why = {"SIGXCPU": f"ran past its CPU time limit ({self.spec.limits.cpu_seconds} s)",
                   "SIGSEGV": "crashed with a segmentation fault (SIGSEGV)"}.get(name, f"was killed by signal {sig} ({name})")
            return WorkerFailure(FailureKind.CRASHED, f"the student's code {why}")
        return WorkerFailure(FailureKind.EXITED, f"the student's code ended the process (exit code "
                             f"{ended.returncode}) before answering",
                             "Don't call sys.exit(), exit() or os._exit() in a submitted module.")

    def _exit_status(self) -> WorkerEnded | None:
        """The parent's last word, asked once: how the worker ended and whether memory ran out."""
        if not self._heard_end:
            self._ended, self._heard_end = self.supervision.ended(), True
        return self._ended

    def kill(self) -> None:
        """Stop the worker now (the grader's wall clock: nothing the student does can stop it)."""
        self._signal_kill()
        self._exit_status()

    def _signal_kill(self) -> None:
        """Send the kill without waiting to hear of the end."""
        if self.alive:
            self.supervision.kill(self.pid)
            self.alive = False

    def close(self) -> None:
        """Hang up and make sure the worker and everything it started are gone."""
        try:
            self.sock.close()
        finally:
            self.kill()
            self.supervision.close()
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None

    def close_in_background(self, cpus: frozenset[int] | None = None) -> threading.Thread:
        """Hang up and kill now, on `cpus` when given (placement: its teardown is then not on
        the grader's CPU); hear of the end (its parent reaps the worker, removes its
        cgroups: milliseconds) in a thread, while the next student's checks run. Join it
        before anyone relies on the worker being gone."""
        try:
            self.sock.close()
            if cpus:
                self.place(cpus)
        finally:
            self._signal_kill()
        thread = threading.Thread(target=self.close, name="grader-worker-end", daemon=True)
        thread.start()
        return thread


def _pidfd(pid: int) -> int | None:
    """A pidfd for `pid`, or None (not Linux 5.3+, or already gone): then it is never moved."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


_KIND_TEXT = {
    FailureKind.MEMORY: ("ran out of memory", "Use smaller tensors; nothing in these tasks needs gigabytes."),
    FailureKind.OUTPUT: ("printed or wrote more than allowed (output, file size or disk limit)",
               "Remove prints inside loops; write only small files."),
    FailureKind.FILES: ("opened too many files at once", "Close files you open: use `with open(...) as f:`."),
    FailureKind.PROCESSES: ("hit the limit on processes and threads", "Don't start processes or threads; none are needed."),
    FailureKind.RECURSION: ("recursed too deeply", "Look for a function that calls itself without stopping."),
}


_CHANGE_HINTS = {
    "mode": "Remember the mode first and restore it at the end: was_training = model.training ... "
            "model.train(was_training).",
    "grad": "Leave the gradients of what you were given alone: no backward() or zero_grad() on it here.",
    "requires_grad": "Don't call requires_grad_() on an argument: work on a copy, x.detach().clone().requires_grad_().",
    "device": "model.to(device) moves the model itself: do it only where the task says so.",
}
_VALUES_HINT = "Compute a new result (y = x / s) instead of changing the argument in place (x /= s, x.div_(s), x[...] = v)."


def _mutated(err: dict) -> WorkerFailure:
    """A function changed an argument the contract says it must leave alone."""
    message = f"{err.get('function', 'the function')} changed its argument {err.get('argument', '')}"
    what = err.get("what", "its values")
    message += f": {what}" if err.get("part") == "mode" else f" in place ({what})"
    hint = _CHANGE_HINTS.get(str(err.get("part")), _VALUES_HINT)
    return WorkerFailure(FailureKind.MUTATED, message,
                         f"Unless the assignment says so, a function must leave its arguments as they came. {hint}")


def failure_from_error(err: dict, what: str) -> WorkerFailure:
    """Turn the worker's error description into a message for the student."""
    kind = FailureKind.of(err.get("kind", "raised"))
    if kind is FailureKind.MUTATED:
        return _mutated(err)
    if kind is FailureKind.MISSING:
        return WorkerFailure(FailureKind.MISSING, f"no function named {err['name']} was found",
                             f"Define {err['name']} at the top level of your file, spelled as in the assignment.")
    if kind is FailureKind.NOT_CALLABLE:
        return WorkerFailure(FailureKind.MISSING, f"{err['name']} is a {err['type']}, not a function",
                             f"Define {err['name']} with def (or as a class) as the assignment says.")
    if kind is FailureKind.RESULT:
        return WorkerFailure(FailureKind.RESULT, f"{what} returned something that cannot be graded: {err.get('message', '')}")
    where = f" ({err['where']})" if err.get("where") else ""
    text = f"{err.get('type') or 'Exception'}: {err.get('message', '')}".rstrip(": ")
    if kind is FailureKind.SYNTAX:
        return WorkerFailure(FailureKind.SYNTAX, f"{what} failed: {text}{where}",
                             "Fix the syntax error; Python reads the whole file before running any of it.")
    if kind in _KIND_TEXT:
        summary, hint = _KIND_TEXT[kind]
        return WorkerFailure(kind, f"{what} {summary}: {text}{where}", hint)
    function = err.get("function") if err.get("function") != "<module>" and not what.startswith("importing") else None
    if function and err.get("type") == "NotImplementedError":
        return WorkerFailure(FailureKind.RAISED, f"{function}() still raises NotImplementedError from the stub: write its body"
                             f"{where}", "Replace its `raise NotImplementedError` line with your code.", stub=function)
    return WorkerFailure(FailureKind.RAISED, f"{f'{function}()' if function else what} raised {text}{where}")
