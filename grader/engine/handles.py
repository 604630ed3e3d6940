"""What a check holds: a handle on the student's worker and one on the expected values."""
from __future__ import annotations

import ast
import functools
import hashlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.engine.placement import Placement
from grader.engine.prestart import WorkerStart
from grader.engine.workers import Channel, FailureKind, Worker, WorkerFailure, WorkerSpec
from grader.wire import boundary, transport

OUTPUT_KEEP = 4096  # bytes of a student's output kept for the report, head and tail each


class _ProbeCalls:
    """`handle.from_data(x)` is `handle.call("from_data", x)`."""

    def call(self, probe: str, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)


@dataclass(frozen=True)
class ProbeCall:
    """One student.* call a check made, with the answer or the failure it got."""

    probe: str
    args: tuple
    kwargs: dict
    outcome: Any  # the decoded answer, or a WorkerFailure


class StudentHandle(_ProbeCalls):
    """Lazily starts the student's worker; restarts it after a crash or timeout.

    An import failure is remembered: every later call fails with it at once, so a
    module that hangs on import costs its time limit once, not once per check.
    """

    def __init__(self, channel: Channel | None, spec: WorkerSpec | None,
                 unavailable: WorkerFailure | None = None, placement: Placement | None = None) -> None:
        self._channel = channel
        self._spec = spec
        self._placement = placement  # placed: the worker answers on placement.home, is killed on the rest
        self._worker: Worker | None = None
        self._start: WorkerStart | None = None  # a worker starting in the background
        self.unavailable = unavailable
        self.events: list[FailureKind] = []
        self.missing_layers: list[str] = []
        self.notes: list[str] = []  # what loading the submission was like (notebook cells, magics)
        self._loaded_once = False
        self.calls: list[ProbeCall] = []  # the current check's calls, for diagnosis (the plugin resets it)
        self._ending: list[threading.Thread] = []  # retired workers being reaped

    def call(self, probe: str, *args: Any, _timeout: float | None = None, **kwargs: Any) -> Any:
        """Call `probe` in the student's worker; `_timeout` overrides the assignment's call limit."""
        try:
            answer = self._call(probe, args, kwargs, _timeout)
        except WorkerFailure as failure:
            self.calls.append(ProbeCall(probe, args, kwargs, failure))
            raise
        self.calls.append(ProbeCall(probe, args, kwargs, answer))
        return answer

    def _call(self, probe: str, args: tuple, kwargs: dict, timeout: float | None) -> Any:
        worker = self._ensure_worker()
        assert self._spec is not None
        try:
            return worker.call(probe, args, kwargs, timeout if timeout is not None else self._spec.limits.call_timeout)
        except WorkerFailure as failure:
            if not worker.alive:
                self.events.append(failure.kind)
                worker.close()
                self._worker = None
            raise in_students_words(failure, probe, self._spec.probes) from None

    def prestart(self) -> None:
        """Start the worker now, in the background, so that it is ready when a check first calls."""
        if self.unavailable is None and self._worker is None and self._start is None:
            assert self._channel is not None and self._spec is not None
            self._start = WorkerStart(self._channel, self._spec)

    def _ensure_worker(self) -> Worker:
        if self.unavailable is not None:
            raise self.unavailable
        if self._worker is None:
            self.prestart()  # no-op when already started
            start = self._start
            assert start is not None
            if self._placement and (importing := start.importing()) is not None:
                # Still importing, on the server's CPUs: the grader's own is idle while it waits.
                importing.place({self._placement.home})
            try:
                worker = start.wait()  # Ctrl-C here leaves it to close(), which kills it
            except WorkerFailure as failure:
                self._start = None
                if start.worker is not None:
                    self.missing_layers = start.worker.missing_layers
                self.unavailable = failure
                self.events.append(failure.kind)
                raise
            self._start = None
            if not self._loaded_once:  # a restarted worker says the same again
                self.notes += worker.load_notes
                self._loaded_once = True
            self._worker = worker
            self.missing_layers = worker.missing_layers
        return self._worker

    def output(self) -> str:
        """Head and tail of what the student's code printed (it may be huge), cleaned for every writer."""
        if self._spec is None:
            return ""
        path = Path(self._spec.scratch) / "output.txt"
        try:
            # O_NOFOLLOW: a student may have swapped the file for a link to a secret.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                return ""
            with os.fdopen(fd, "rb") as fh:
                head = fh.read(OUTPUT_KEEP)
                fh.seek(0, 2)
                size = fh.tell()
                tail = b""
                if size > 2 * OUTPUT_KEEP:
                    fh.seek(size - OUTPUT_KEEP)
                    tail = fh.read(OUTPUT_KEEP)
                elif size > OUTPUT_KEEP:
                    fh.seek(OUTPUT_KEEP)
                    tail = fh.read()
        except OSError:
            return ""
        text = boundary.clean(head.decode("utf-8", "replace"))
        if size > 2 * OUTPUT_KEEP:
            text += f"\n[... {size - 2 * OUTPUT_KEEP} bytes left out ...]\n"
        return text + boundary.clean(tail.decode("utf-8", "replace"))

    def retire(self) -> None:
        """This student's checks are done: kill the worker now, hear of its end in the
        background (close() waits for that)."""
        if self._worker is not None:
            self._ending.append(self._worker.close_in_background(self._placement.rest if self._placement else None))
            self._worker = None

    def close(self) -> None:
        """Stop the worker, and one still starting (its student's grading ended or was cancelled)."""
        if self._start is not None:
            self._start.cancel()
            self._start = None
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        for thread in self._ending:
            thread.join()
        self._ending.clear()


def in_students_words(failure: WorkerFailure, probe: str, probes: str | None) -> WorkerFailure:
    """The failure told with the student's function names, never a probe's (a name they never wrote)."""
    names = probe_targets(probes).get(probe) if probes else None
    if names is None or not failure.message.startswith(f"{probe}() "):
        return failure
    called = " and ".join(f"{n}()" for n in names) or "your code"
    rest = failure.message.removeprefix(f"{probe}() ")
    if failure.kind is FailureKind.RAISED:  # no frame of the student's file: it was what they returned that failed
        rest = rest.removeprefix("raised ")
        message = f"working with what {called} returned raised {rest}" if names else f"{called} raised {rest}"
    else:
        message = f"{called} {rest}"
    return WorkerFailure(failure.kind, message, failure.hint, failure.stub)


@functools.lru_cache(maxsize=64)
def probe_targets(path: str) -> dict[str, tuple[str, ...]]:
    """For each probe of an assignment, the student functions it calls (`need(student, "name")`)."""
    try:
        tree = ast.parse(Path(path).read_text())
    except (OSError, SyntaxError, ValueError):
        return {}
    out = {}
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            out[fn.name] = tuple(dict.fromkeys(
                node.args[1].value for node in ast.walk(fn)
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "need" and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)))
    return out


def call_key(probe: str, args: tuple, kwargs: dict) -> str:
    """Identifies a probe call by its name and the exact bytes of its inputs."""
    return hashlib.sha256(probe.encode() + b"\0" + transport.encode([list(args), kwargs])).hexdigest()


def save_store(store: dict[str, bytes]) -> str:
    """Expected values as JSON text (keys sorted, so the same values give the same file)."""
    import base64
    import json

    values = {k: base64.b64encode(v).decode() for k, v in sorted(store.items())}
    return json.dumps({"schema": "grader.expected/1", "values": values}, indent=0) + "\n"


def load_store(text: str) -> dict[str, bytes]:
    """The expected values `save_store` wrote (a corrupt store is a UsageError)."""
    import base64
    import json

    data = json.loads(text)
    if data.get("schema") != "grader.expected/1":
        raise ValueError("not an expected-values file written by this grader")
    return {k: base64.b64decode(v, validate=True) for k, v in data["values"].items()}  # garbage is an error


class ExpectedValues(_ProbeCalls):
    """The reference's answers to probe calls, keyed by the call.

    Recorded once per batch by running the checks against the reference (`source`
    set), then replayed for every student from `store` (plain encoded bytes). Checks
    must make the same `expected` calls whatever the student answers.
    """

    def __init__(self, store: dict[str, bytes] | None = None, source: StudentHandle | None = None) -> None:
        self.store: dict[str, bytes] = dict(store or {})
        self._source = source

    def call(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        """The recorded answer of the reference to this call (a clear error if it was never recorded)."""
        key = call_key(probe, args, kwargs)
        if key not in self.store:
            if self._source is None:
                raise LookupError(f"no expected value recorded for {probe}(); "
                                  "a check's expected.* calls must not depend on the student's answers")
            self.store[key] = transport.encode(self._source.call(probe, *args, **kwargs))
        return transport.decode(self.store[key])
