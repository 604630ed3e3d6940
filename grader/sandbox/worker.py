"""Inside the sandbox worker: confine the process, import the student's module, answer probes.

Runs only in the worker process forked by the fork server. Everything the student's
code can reach lives here; nothing of the checks, the reference or the expected
values is in this process's memory (the fork server never holds them).
"""
from __future__ import annotations

import errno
import importlib.util
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from grader.sandbox import seccomp  # here, in the fork server: the worker cannot once the course is hidden
from grader.sandbox.argument_guard import guard
from grader.sandbox.probes import MissingName, NotCallable, need
from grader.wire import transport
from grader.wire.boundary import MESSAGE, NAME, cap_notes, clip
from grader.wire.framing import PeerClosed, recv_frame, send_frame
from grader.wire.spec import FailureKind, WorkerSpec


def redirect_output(path: str) -> None:
    """Student prints go to a capped file the grader reads back; fds 0-2 only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(devnull)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def load_module(name: str, path: str) -> ModuleType:
    """Import the student's file `path` as module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class CellTimeout(BaseException):
    """A notebook cell ran past its budget (BaseException: `except Exception` won't swallow it)."""


def _cell_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout()


BUDGET_SHARE = 0.9  # of a notebook's budget its cells may use; the rest is for answering "ready"


def load_notebook(name: str, cells_path: str, cell_timeout: float, budget: float) -> tuple[ModuleType, list[str]]:
    """Run a notebook's code cells in order in one module, within the notebook's budget.

    A cell that raises or runs past `cell_timeout` is noted and the next cell runs, so a
    broken or slow demo cell costs no definition below it (README, "Notebooks"). No cell
    starts once most of `budget` is spent: what is defined by then is graded, and the
    cells not run are noted. The alarms are a convenience a student can ignore; the
    grader SIGKILLs the worker at `budget` whatever the cells do.
    """
    import json

    module = ModuleType(name)
    module.__file__ = cells_path
    sys.modules[name] = module
    flags: list[str] = []
    notes: list[str] = []
    with open(cells_path, encoding="utf-8") as fh:
        cells = json.load(fh)
    deadline = time.monotonic() + budget * BUDGET_SHARE
    signal.signal(signal.SIGALRM, _cell_alarm)
    for index, cell in enumerate(cells):
        left = deadline - time.monotonic()
        if left <= 0:
            flags.append(f"the notebook's {budget:g} s budget was nearly spent: the code cells from "
                         f"cell {cell['number']} on ({len(cells) - index}) were not run")
            break
        notes += _run_cell(cell, module, min(cell_timeout, left), cell_timeout)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return module, cap_notes(flags + notes)  # the flag first: capping must not drop it


def _run_cell(cell: dict[str, Any], module: ModuleType, alarm: float, cell_timeout: float) -> list[str]:
    """Run one cell under an alarm; a note if it raised or was stopped."""
    label = f"<cell {cell['number']}>"
    try:
        code = compile(cell["source"], label, "exec")
        signal.setitimer(signal.ITIMER_REAL, alarm)
        try:
            exec(code, module.__dict__)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except CellTimeout:
        why = f"after {cell_timeout:g} s" if alarm >= cell_timeout else "when the notebook's budget ran low"
        return [f"cell {cell['number']} was stopped {why} (demo code is not run to the end in grading); "
                "the cells after it still ran"]
    except BaseException as exc:  # noqa: BLE001 - the student's cell, reported and passed over
        err = describe_exception(exc, label)
        return [f"{err['where'] or 'cell ' + str(cell['number'])}: {err['type']}: {err['message']}"
                " (the cells after it still ran)"]
    return []


def describe_exception(exc: BaseException, student_file: str) -> dict[str, Any]:
    """What went wrong and where in the student's file, never a frame of ours; every text capped."""
    kind = FailureKind.RAISED
    if isinstance(exc, SyntaxError):
        return {"kind": FailureKind.SYNTAX.value, "type": type(exc).__name__, "message": clip(exc.msg, MESSAGE),
                "line": exc.lineno, "where": _place(exc.filename or student_file, exc.lineno, None)}
    if isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and "allocate" in _safe_str(exc)):
        kind = FailureKind.MEMORY
    if isinstance(exc, OSError) and exc.errno in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
        kind = FailureKind.OUTPUT
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        kind = FailureKind.FILES
    if (isinstance(exc, OSError) and exc.errno == errno.EAGAIN) or "can't start new thread" in _safe_str(exc):
        kind = FailureKind.PROCESSES
    if isinstance(exc, RecursionError):
        kind = FailureKind.RECURSION
    where, line, function = "", None, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == student_file or frame.filename.startswith("<cell "):
            name = clip(frame.name, NAME)  # a code object's name can be 12 MB (THREATS 63)
            where, line = _place(frame.filename, frame.lineno, name), frame.lineno
            function = function or name  # the outermost: the function the probe called
    return {"kind": kind.value, "type": transport.type_name(exc), "message": clip(_safe_str(exc), MESSAGE),
            "line": line, "where": where, "function": function}


def _place(filename: str, line: int | None, function: str | None) -> str:
    """'line 3, in f' for a module; 'cell 4, line 2, in f' for a notebook cell."""
    cell = filename[1:-1] + ", " if filename.startswith("<cell ") else ""
    inside = f", in {function}" if function and function != "<module>" else ""
    return f"{cell}line {line}{inside}"


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a hostile __str__ still gets reported
        return "<unprintable exception>"
    return text if isinstance(text, str) else "<unprintable exception>"


def reset_torch_state() -> None:
    """Undo global state a previous call may have changed (THREATS 55)."""
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)
    torch.set_default_device(None)
    if torch.are_deterministic_algorithms_enabled():  # the setter imports torch._dynamo and sympy: ~1 s
        torch.use_deterministic_algorithms(False)
    torch.set_num_threads(1)
    # The CPU generator only: torch.manual_seed(0) also queues CUDA's seeding with a
    # formatted stack (0.1 ms a call) while CUDA is not in use. worker_main seeded every
    # device once before the student's import; one CUDA has started is reseeded here.
    torch.default_generator.manual_seed(0)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(0)


def warm_up_calls() -> None:
    """Touch what answering a call touches first, before the student's code runs.

    A worker shares the fork server's memory until it writes to it; reference counts make
    even a read a write, so a fresh worker's first call copies ~160 pages (0.8 ms against
    0.27 for later calls, issue 20). This worker starts while the previous student's checks
    run: copying them here takes that time off the grading's critical path.
    """
    try:
        x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        request = transport.decode(transport.encode({"probe": "", "args": [x, [1, 2.5], (3,)],
                                                     "kwargs": {"dtype": torch.int64}}))
        reset_torch_state()
        y = request["args"][0]
        answer = (torch.zeros(2, 3) + torch.ones(2, 3) * y, torch.tensor([1.0, 2.0]).to(torch.float64),
                  torch.from_numpy(y.numpy()), y.clone().equal(y), y.sum().item(), y.shape, y.dtype)
        transport.encode({"ok": answer})
    except Exception:  # noqa: BLE001 - only time is at stake (a torch built without NumPy): grade on
        pass


class Probes:
    """The assignment's probes, falling back to calling the student's function by name."""

    def __init__(self, probes_path: str | None) -> None:
        self.module = load_module("_grader_probes", probes_path) if probes_path else None
        guard.declare(getattr(self.module, "MUTATES", {}))  # the functions whose job is to change an argument

    def resolve(self, name: str, student: ModuleType) -> Callable[..., Any]:
        """The probe called `name`: the assignment's own, or else the student's function of that name."""
        custom = getattr(self.module, name, None) if not name.startswith("_") else None
        if callable(custom):
            return lambda *a, **k: custom(student, *a, **k)
        return need(student, name)


def serve(sock: socket.socket, student: ModuleType, probes: Probes, student_file: str, max_result: int) -> None:
    """Answer probe calls until the grader hangs up."""
    while True:
        try:
            request = transport.decode(recv_frame(sock))
        except PeerClosed:
            return
        reset_torch_state()
        guard.start_call()
        try:
            fn = probes.resolve(request["probe"], student)
            value = fn(*request["args"], **request["kwargs"])
            reply = {"ok": value}
        except MissingName as exc:
            reply = {"error": {"kind": FailureKind.MISSING.value, "name": str(exc)}}
        except NotCallable as exc:
            reply = {"error": {"kind": FailureKind.NOT_CALLABLE.value, "name": exc.args[0], "type": exc.args[1]}}
        except BaseException as exc:  # noqa: BLE001 - SystemExit from student code included
            reply = {"error": describe_exception(exc, student_file)}
        if guard.changes:  # an argument changed against the contract: that, not what followed, is the answer
            reply = {"error": guard.changes[0].as_error()}
        try:
            payload = transport.encode(reply, max_bytes=max_result)
        except transport.TransportError as exc:
            payload = transport.encode({"error": {"kind": FailureKind.RESULT.value, "message": str(exc)}})
        except BaseException as exc:  # noqa: BLE001 - a hostile object while encoding
            payload = transport.encode({"error": describe_exception(exc, student_file)})
        send_frame(sock, payload)


def worker_main(sock: socket.socket, spec: WorkerSpec, uid: int | None, cgroups: Any,
                mount_namespace: bool, missing: list[str]) -> None:
    """Entry point of the worker process, right after the fork; never returns.

    Order matters: everything that needs the grader's files or root (output file,
    probes, cgroups, mounts) happens before privileges are dropped and before the
    student's module is imported.
    """
    from grader.sandbox import isolation
    code = 0
    try:
        os.chdir("/")
        redirect_output(os.path.join(spec.scratch, "output.txt"))
        if cgroups is not None and cgroups.dirs:
            cgroups.join()
        probes = Probes(spec.probes)
        work = os.path.join(spec.scratch, "work")
        if mount_namespace:
            missing += isolation.isolate_filesystem(spec, uid)
        else:
            os.makedirs(work, exist_ok=True)
            if uid is not None:
                os.chown(work, uid, uid)
            missing.append("hidden files (no mount namespace)")
        missing += isolation.apply_rlimits(spec.limits, memory_by_cgroup=bool(cgroups and
                                           ("memory" in cgroups.dirs or "v2" in cgroups.dirs)))
        missing += isolation.confine(spec)
        missing += isolation.drop_privileges(uid, spec.limits.processes)
        missing += seccomp.install()
        os.chdir(work)
        os.environ.clear()
        os.environ.update({"HOME": work, "TMPDIR": work, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                           "OMP_NUM_THREADS": "1"})
        sys.dont_write_bytecode = True
        # Sent before any student code runs, so what the report says of the sandbox is ours.
        send_frame(sock, transport.encode({"missing_layers": missing}))
        student_file = spec.source
        warm_up_calls()
        torch.manual_seed(0)  # every device's generator (CUDA's when it is first used)
        reset_torch_state()
        notes: list[str] = []
        try:
            if spec.notebook:
                student, notes = load_notebook(spec.module, student_file, spec.limits.cell_timeout,
                                               spec.limits.notebook_timeout)
            else:
                student = load_module(spec.module, student_file)
        except BaseException as exc:  # noqa: BLE001 - whatever import does is the student's
            send_frame(sock, transport.encode({"import_error": describe_exception(exc, student_file)}))
            os._exit(0)
        if spec.cpu is not None:  # the grader's CPU, now that the import's work is done (placement)
            try:
                os.sched_setaffinity(0, {spec.cpu})
            except (OSError, AttributeError):  # a cpuset without it: stay where the server runs
                pass
        send_frame(sock, transport.encode({"ready": True, "notes": notes}))
        serve(sock, student, probes, student_file, spec.limits.result_mb * 2**20)
    except BaseException:  # noqa: BLE001 - the worker must never fall back into the server loop
        code = 70
    os._exit(code)
