"""The checks' own work, without the engine: the same probes and checks, run in this
process on student modules imported here (no sandbox, no fork, no transport). Its CPU
time is the yardstick for the engine's overhead. Never use this for real grading: the
student's code would share the grader's process.
"""
from __future__ import annotations

import copy
import importlib.util
import itertools
from pathlib import Path
from typing import Any

import torch

from grader.course.catalogue import Assignment
from grader.engine.handles import ExpectedValues, _ProbeCalls
from grader.engine.plugin import GraderPlugin, run_suite
from grader.engine.workers import WorkerFailure
from grader.sandbox import worker as sandbox

_ids = itertools.count()


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DirectHandle(_ProbeCalls):
    """A StudentHandle look-alike that calls the probes in this very process."""

    def __init__(self, student_file: Path, assignment: Assignment) -> None:
        self.events, self.missing_layers, self.notes, self.unavailable = [], [], [], None
        self._probes = sandbox.Probes(str(assignment.probes) if assignment.probes.is_file() else None)
        try:
            self._module = _load(student_file, f"direct_{next(_ids)}")
        except Exception as exc:  # noqa: BLE001
            self.unavailable = WorkerFailure("raised", f"import failed: {exc}")

    def call(self, probe: str, *args: Any, _timeout: float | None = None, **kwargs: Any) -> Any:
        if self.unavailable:
            raise self.unavailable
        sandbox.reset_torch_state()
        # Copies, as the transport gives a worker: a student who changes an argument in place
        # must not change the check's own inputs (its expected.* call would find no value).
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        try:
            return self._probes.resolve(probe, self._module)(*args, **kwargs)
        except (sandbox.MissingName, sandbox.NotCallable) as exc:
            raise WorkerFailure("missing", str(exc)) from None
        except Exception as exc:  # noqa: BLE001
            raise WorkerFailure("raised", f"{type(exc).__name__}: {exc}") from None

    def prestart(self) -> None:
        """Nothing to start ahead: the module is imported here."""

    def retire(self) -> None:
        """Nothing to reap."""

    def close(self) -> None:
        pass

    def output(self) -> str:
        return ""


def run_direct(assignment: Assignment, files: list[Path], store: dict[str, bytes], hidden_key: bytes,
               include_hidden: bool = True) -> None:
    torch.set_num_threads(1)
    factories = [(f"d{i}", lambda p=p: DirectHandle(p, assignment)) for i, p in enumerate(files)]
    check_files = [assignment.public_checks] + ([assignment.hidden_checks] if include_hidden else [])
    run_suite(check_files, GraderPlugin(factories, ExpectedValues(store), assignment.hidden_checks, hidden_key),
              assignment.folder.parent.parent)
