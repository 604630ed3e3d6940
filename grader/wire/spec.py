"""The typed messages that cross the boundary beside the probe calls: the worker's spec, the
reports of the worker's parent, and the kinds of failure (issue 16, item 3); and the uid a worker runs
as, which both sides must agree on.

Each message is a frozen dataclass with an explicit JSON codec that refuses a missing or an
unknown field, or a value of the wrong type, with one clear error: the grader and the
sandbox cannot drift apart silently. No pickle, no string-keyed dicts past the decoder.
"""
from __future__ import annotations

import enum
import json
import os
import signal
import time
import types
import typing
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, TypeVar

M = TypeVar("M", bound="Message")

UID_BASE = 200_000  # as root, workers run as UID_BASE + pid: see worker_uid


def worker_uid(pid: int) -> int:
    """The unprivileged uid a worker becomes as root, from a pid both sides know: the worker's
    own (outside its PID namespace: the fork server, its parent, sweeps the uid where there
    is no namespace; a spawned worker, whose grader sweeps it), or a supervisor's where one
    is used.
    The whole pid, not a part of it: two workers alive at once never share a uid (pid_max
    is 4,194,304 at most, and systemd sets that much), and a uid comes back only with its
    pid, by when all of its processes are gone."""
    return UID_BASE + pid


def kill_every_process_of(uid: int) -> None:
    """SIGKILL every process running as `uid` (POSIX, as root): a child that becomes that user
    and signals all it may, kill(-1), the one call that also reaches processes forked meanwhile.
    A later worker can be given the same uid (pids are reused): nothing may be waiting for it.
    Returns once they are gone (Linux): a killed process still runs while the kernel takes
    its memory down, and the grader's word that nothing outlived grading must hold."""
    for attempt in range(3):  # fork fails when processes or memory run out: try again shortly
        try:
            pid = os.fork()  # the child makes system calls only: safe after `import torch`
            break
        except OSError:
            if attempt == 2:
                return
            time.sleep(0.05 * (attempt + 1))
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 2.0
    while _running_as(uid) and time.monotonic() < deadline:
        time.sleep(0.002)


def _running_as(uid: int) -> bool:
    """Whether a process of `uid` is alive and not yet a zombie (where there is a /proc)."""
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return False
    for entry in entries:
        try:
            with open(f"/proc/{entry}/status") as fh:
                status = fh.read()
        except OSError:
            continue  # gone meanwhile
        fields_ = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields_.get("Uid", "").split()[:1] == [str(uid)] and not fields_.get("State", "").strip().startswith("Z"):
            return True
    return False


class SpecError(ValueError):
    """A message that does not match its type (a field missing, unknown or of the wrong type)."""


class Message:
    """Explicit JSON codec for the frozen dataclasses below: every field, nothing else."""

    TAG: ClassVar[str] = ""  # written as "message": tells a started report from an ended one

    def to_json(self) -> bytes:
        """The message as one line of JSON (no newline inside: the status pipe is line based)."""
        return json.dumps({"message": self.TAG, **_plain(self)}, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls: type[M], data: bytes | bytearray | str) -> M:
        """Decode and check a message of this type; SpecError says what is wrong."""
        try:
            raw = json.loads(data)
        except ValueError as exc:
            raise SpecError(f"{cls.__name__}: not JSON ({exc})") from None
        if not isinstance(raw, dict) or raw.pop("message", None) != cls.TAG:
            raise SpecError(f"expected a {cls.__name__} message, got {str(data)[:80]!r}")
        return _decode(cls, raw, cls.__name__)


def _plain(message: Any) -> dict[str, Any]:
    out = {}
    for f in fields(message):
        value = getattr(message, f.name)
        out[f.name] = _plain(value) if isinstance(value, Message) else list(value) if isinstance(value, tuple) else value
    return out


def _decode(cls: type[M], raw: Any, where: str) -> M:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected an object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(names))
    missing = [n for n in names if n not in raw]
    if unknown or missing:
        raise SpecError(f"{where}: " + "; ".join(
            ([f"unknown field {', '.join(unknown)}"] if unknown else []) +
            ([f"missing field {', '.join(missing)}"] if missing else [])))
    return cls(**{n: _value(hints[n], raw[n], f"{where}.{n}") for n in names})


def _value(hint: Any, value: Any, where: str) -> Any:
    """`value` checked (and made the field's own type) against the annotation `hint`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):  # X | None
        if value is None and type(None) in args:
            return None
        hint = next(a for a in args if a is not type(None))
        return _value(hint, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise SpecError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(hint, type) and issubclass(hint, Message):
        return _decode(hint, value, where)
    if hint is float and type(value) in (int, float):
        return float(value)
    if hint is int and (type(value) is int or (type(value) is float and value.is_integer())):
        return int(value)
    if hint in (str, bool) and type(value) is hint:
        return value
    raise SpecError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(value).__name__}")


@dataclass(frozen=True)
class Limits(Message):
    """What one sandbox worker may use; defaults leave the reference ample room.

    Set per assignment in assignment.toml (grader.course.catalogue reads it); it lives here
    because it is what the worker and its parent are told, so both sides share one type.
    """

    import_timeout: float = 10.0  # seconds of wall time to import the student's module
    cell_timeout: float = 5.0     # a notebook cell's budget (an in-worker alarm: a convenience, not a bound)
    # All of a notebook's cells together, in wall time, SIGKILLed from outside past it. Fixed
    # here, never scaled by the student's cell count (THREATS 60): "Run all" of a course
    # notebook with a few short demo cells fits twelve 5 s cells; raise it for heavier ones.
    notebook_timeout: float = 60.0
    call_timeout: float = 10.0    # seconds of wall time per probe call
    cpu_seconds: int = 120        # CPU time for the whole worker (a backstop to wall time)
    memory_mb: int = 2048         # address space beyond what torch already maps
    output_kb: int = 256          # bytes of stdout+stderr kept (file size cap)
    open_files: int = 64
    processes: int = 32           # pids cgroup, and RLIMIT_NPROC of the worker's own uid
    disk_mb: int = 64             # size of the worker's working folder (a tmpfs, as root)
    result_mb: int = 64           # largest result one call may send back

    TAG: ClassVar[str] = "limits"

    def scaled(self, **overrides: Any) -> Limits:
        """These limits with some replaced (tests and `grader grade` shorten time limits)."""
        return replace(self, **overrides)


@dataclass(frozen=True)
class WorkerSpec(Message):
    """What a worker needs: the student's file in its scratch folder, the probes, limits."""

    module: str
    source: str
    scratch: str
    probes: str | None
    limits: Limits
    hide: tuple[str, ...] = ()  # folders the worker must not see (course, outputs, submissions)
    notebook: bool = False  # `source` is the JSON list of a notebook's code cells
    display_name: str = ""  # the file as the student named it, for messages
    cpu: int | None = None  # the grader's CPU, where the worker moves once ready (grader/engine/placement.py)

    TAG: ClassVar[str] = "spec"


@dataclass(frozen=True)
class WorkerStarted(Message):
    """The first report of the worker's parent: the worker's pid, and the layers it could not apply."""

    pid: int
    missing: tuple[str, ...] = ()

    TAG: ClassVar[str] = "started"


@dataclass(frozen=True)
class WorkerEnded(Message):
    """The last report of the worker's parent: how the worker ended, and whether memory ran out.

    `returncode` as subprocess gives it, so that every engine can say it: the exit code,
    or minus the signal that killed the worker.
    """

    returncode: int
    oom: bool = False

    TAG: ClassVar[str] = "ended"


SupervisorReport = WorkerStarted | WorkerEnded


class FailureKind(str, enum.Enum):
    """Why a call into the sandbox produced no answer (str-valued: results stay byte-identical)."""

    TIMEOUT = "timeout"                # a probe call ran past its time
    IMPORT_TIMEOUT = "import_timeout"  # importing the module (or running the notebook) did
    CRASHED = "crashed"                # killed by a signal, or stopped answering
    EXITED = "exited"                  # the student's code ended the process
    DEAD = "dead"                      # called after the worker was gone
    RAISED = "raised"
    SYNTAX = "syntax"
    MISSING = "missing"                # no such function (or nothing handed in)
    NOT_CALLABLE = "not_callable"
    RESULT = "result"                  # an answer that cannot be graded
    MUTATED = "mutated"                # changed an argument it must leave alone
    MEMORY = "memory"
    OUTPUT = "output"
    FILES = "files"
    PROCESSES = "processes"
    RECURSION = "recursion"
    SANDBOX = "sandbox"                # no sandbox could be started at that moment
    NOTEBOOK = "notebook"              # a notebook that cannot be read

    def __str__(self) -> str:  # f"{kind}" is the word, as when kinds were strings
        return self.value

    @classmethod
    def of(cls, text: object) -> FailureKind:
        """The kind a worker named; one the grader does not know is RAISED."""
        try:
            return cls(text)
        except ValueError:
            return cls.RAISED
