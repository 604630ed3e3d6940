"""Run an assignment's checks (pytest, in the trusted process) for many students at once.

One pytest session per assignment and batch: every check is parametrised over the
students, items are ordered student by student so one worker at a time is alive, and
each report becomes a CheckResult. pytest's own reporting is never shown: a student
sees the check's title, verdict and our message, never the check's code.
"""
from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.authoring.checks import CheckFailure, hidden_check, without_expected_values
from grader.engine.diagnosis import KnownMistake, diagnose
from grader.engine.handles import ExpectedValues, ProbeCall, StudentHandle
from grader.engine.workers import FailureKind, WorkerFailure
from grader.errors import GraderError
from grader.results import CheckResult, Status

# A changed argument is a wrong answer, not a crash.
_FAILURE_STATUS = {FailureKind.TIMEOUT: Status.TIMEOUT, FailureKind.IMPORT_TIMEOUT: Status.TIMEOUT,
                   FailureKind.MUTATED: Status.FAILED}


class CheckSuiteError(GraderError):
    """The checks themselves could not be collected or run (a course bug, not a student's):
    one line for the course's author, not a traceback."""


class GraderPlugin:
    """The pytest plugin that runs one assignment's checks over many students and keeps their results."""
    def __init__(self, targets: list[tuple[str, Callable[[], StudentHandle]]], expected: ExpectedValues,
                 hidden_file: Path | None, hidden_key: bytes,
                 known: dict[str, list[KnownMistake]] | None = None,
                 recorded: dict[str, dict[str, list[ProbeCall]]] | None = None,
                 only: dict[str, set[str]] | None = None) -> None:
        self._targets = targets
        self._expected = expected
        self._known = known or {}  # check id -> the known mistakes that fail it
        # When given: filled with each target's failed checks and their calls (recording mutants).
        self._recorded = recorded
        self._only = only  # when given: the only checks each target runs (a mutant, its named checks)
        self._hidden_file = hidden_file.resolve() if hidden_file else None
        self._hidden_paths: dict[str, bool] = {}
        self._hidden_key = hidden_key  # Course.hidden_key: the secret never reaches the checks
        self._open: tuple[int, StudentHandle] | None = None
        self._first: int | None = None  # the student whose checks run first
        self._next: dict[int, int] = {}  # student -> the one whose checks run next
        self.handles: dict[str, StudentHandle] = {}
        self.results: dict[str, list[CheckResult]] = {name: [] for name, _ in targets}
        self.collect_errors: list[str] = []
        self.seconds: dict[str, float] = {name: 0.0 for name, _ in targets}  # each student's own time
        # Per student: each shared cause of failure (see _cause) and the title of the check that said it.
        self._causes: dict[str, dict[str, str]] = {name: {} for name, _ in targets}

    # -- pytest hooks ---------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the `points` marker (pytest hook)."""
        config.addinivalue_line("markers", "points(n): how many points the check is worth")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every check once per student (pytest hook: parametrize the `student` fixture)."""
        if "student" in metafunc.fixturenames:
            ids = [f"s{i}" for i in range(len(self._targets))]
            metafunc.parametrize("student", range(len(self._targets)), indirect=True, ids=ids)

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Order the checks student by student, so one worker serves a student's checks in a row (pytest hook)."""
        if self._only is not None:
            items[:] = [item for item in items if _check_id(item) in self._only.get(self._target_of(item), ())]
        items.sort(key=lambda item: _params(item).get("student", 0))
        # Students in the order their checks run, and after each the one to start next.
        order = list(dict.fromkeys(_params(item)["student"] for item in items if "student" in _params(item)))
        self._next = dict(zip(order, order[1:]))
        self._first = order[0] if order else None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Keep a check file that does not import as one clear error (pytest hook)."""
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> StudentHandle:
        """The fixture checks call: the student's code, reached through their sandboxed worker."""
        index = request.param
        if self._open is not None and self._open[0] != index:
            self._open[1].retire()  # reaped while this student's checks run; run_assignment closes it
            self._open = None
        if self._open is None:
            self._open = (index, self._handle(index))
            if index in self._next:  # the next student's worker starts while this one's checks run
                self._handle(self._next[index]).prestart()
        self._open[1].calls = []  # this check's calls only
        return self._open[1]

    def _handle(self, index: int) -> StudentHandle:
        """The target's handle, made once; every handle made is closed when the run ends."""
        name, make = self._targets[index]
        if name not in self.handles:
            self.handles[name] = make()
        return self.handles[name]

    def pytest_collection_finish(self) -> None:
        """The first student's worker starts while pytest sets up the first check."""
        if self._first is not None:
            self._handle(self._first).prestart()

    @pytest.fixture
    def expected(self) -> ExpectedValues:
        """The fixture checks compare with: the reference's recorded answers."""
        return self._expected

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        """A hidden check runs marked as hidden, so the comparison helpers leave out its answers."""
        with hidden_check(self._is_hidden(item)):
            yield

    def _is_hidden(self, item: pytest.Item) -> bool:
        return self._in_hidden_file(str(item.path))

    def _in_hidden_file(self, path: str) -> bool:
        """Whether a check comes from the hidden checks' file, resolved once per file (not per
        check and student: each resolve stats every folder of the path)."""
        if path not in self._hidden_paths:
            self._hidden_paths[path] = self._hidden_file is not None and Path(path).resolve() == self._hidden_file
        return self._hidden_paths[path]

    @pytest.fixture
    def hidden_generator(self, request: pytest.FixtureRequest) -> Callable[[int], torch.Generator]:
        """`hidden_generator(n)`: a fresh torch.Generator for the hidden inputs of stream n,
        seeded from (course secret, assignment, n); for hidden checks only."""
        if not self._in_hidden_file(str(request.path)):
            # Public checks' inputs are shown to students and stored in their release.
            raise CheckSuiteError(f"{request.node.nodeid}: hidden_generator is for hidden checks only; "
                                  "public checks keep fixed inputs")
        return lambda n: hidden_generator(self._hidden_key, n)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> pytest.TestReport:
        """Our report instead of pytest's, which formats a traceback for every failed check
        (parsing the check's source: ~0.1 s of CPU each) that nobody reads."""
        excinfo = call.excinfo
        longrepr: Any
        if excinfo is None:
            outcome, longrepr = "passed", None
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome, longrepr = "skipped", (str(item.path), 0, excinfo.value.msg)
        else:
            outcome, longrepr = "failed", f"{excinfo.typename}: {excinfo.value}"
        report = pytest.TestReport(item.nodeid, item.location, {}, outcome, longrepr, call.when,  # type: ignore[arg-type]
                                   duration=call.duration, start=call.start, stop=call.stop)
        index = item.callspec.params["student"]  # type: ignore[attr-defined]
        name = self._targets[index][0]
        self.seconds[name] += call.duration  # setup starts the worker, call runs the probes
        if call.when == "call" or (call.when == "setup" and outcome != "passed"):
            self.results[name].append(self._result(item, call, report))
        return report

    def pytest_sessionfinish(self) -> None:
        """Close every student's worker when the checks are done (pytest hook)."""
        if self._open is not None:
            self._open[1].close()
            self._open = None

    # -- turning a pytest report into a CheckResult -----------------------------------
    def _result(self, item: pytest.Item, call: pytest.CallInfo[Any], report: pytest.TestReport) -> CheckResult:
        func = item.obj  # type: ignore[attr-defined]
        marker = item.get_closest_marker("points")
        if marker is None:
            raise CheckSuiteError(f"{item.nodeid} has no @points(n) marker")
        max_score = float(marker.args[0])
        name = getattr(item, "originalname", item.name)
        base: dict[str, Any] = dict(check_id=_check_id(item), title=_title(func, name), max_score=max_score,
                    hidden=self._is_hidden(item))
        if report.passed:
            return CheckResult(status=Status.PASSED, score=max_score, **base)
        exc = call.excinfo.value if call.excinfo else None
        if report.skipped:  # counted nowhere: 0 of 0, with what it would be worth where it can run
            reason = f"not checked here: {_skip_reason(report)}"
            return CheckResult(status=Status.SKIPPED, score=0.0, message=reason, not_counted=max_score,
                               **{**base, "max_score": 0.0})
        if isinstance(exc, LookupError) and "expected value" in str(exc):
            raise CheckSuiteError(str(exc))
        if isinstance(exc, CheckSuiteError):  # a course bug: run_suite raises it once pytest is done
            self.collect_errors.append(str(exc))
        # A known mistake that gives these very answers names the cause; else the check's own hint.
        own = exc.hint if isinstance(exc, (CheckFailure, WorkerFailure)) else ""
        hint = (self._diagnosis(item, base["check_id"]) if call.when == "call" else "") or own
        if isinstance(exc, CheckFailure):
            # Again here: a check may have built its details by hand.
            details = without_expected_values(exc.details) if base["hidden"] else exc.details
            return CheckResult(status=Status.FAILED, score=0.0, message=exc.message, hint=hint,
                               details=details, **base)
        if isinstance(exc, WorkerFailure):
            earlier = self._earlier_failure(item, exc, base["title"])
            if earlier:
                return CheckResult(status=Status.NOT_RUN, score=0.0, message=earlier, **base)
            status = _FAILURE_STATUS.get(exc.kind, Status.ERROR)
            return CheckResult(status=status, score=0.0, message=exc.message, hint=hint, **base)
        # Anything else is the check tripping over an answer it did not foresee: say
        # what, but not where in the check (that would show hidden code).
        text = f"{type(exc).__name__}: {exc}" if exc else "the check could not run"
        if exc and base["hidden"]:  # its text may quote the expected answer
            text = type(exc).__name__
        return CheckResult(status=Status.ERROR, score=0.0, message=f"the answer could not be checked ({text[:300]})",
                           hint=hint, **base)

    def _earlier_failure(self, item: pytest.Item, exc: WorkerFailure, title: str) -> str:
        """Why this check is not run, if an earlier check of this student failed for the same
        cause; else "" and this check is the one that says it (a file that does not load fails
        every check with one message: it is shown once, the other checks point to it)."""
        cause = _cause(exc, self.handles.get(self._target_of(item)))
        if cause is None:
            return ""
        seen = self._causes[self._target_of(item)]
        if cause not in seen:
            seen[cause] = title
            return ""
        why = f"{exc.stub}() is not written yet (NotImplementedError)" if exc.stub else "your file did not load"
        return f"not run: {why}; see “{seen[cause]}”"

    def _diagnosis(self, item: pytest.Item, check_id: str) -> str:
        """The hint of a known mistake this failed check's calls repeat; records them when asked."""
        name = self._target_of(item)
        handle = self.handles.get(name)
        calls = handle.calls if handle is not None else []
        if self._recorded is not None:
            self._recorded.setdefault(name, {})[check_id] = calls
        return diagnose(self._known.get(check_id, []), calls)

    def _target_of(self, item: pytest.Item) -> str:
        return self._targets[item.callspec.params["student"]][0]  # type: ignore[attr-defined]


def _check_id(item: pytest.Item) -> str:
    return getattr(item, "originalname", item.name).removeprefix("test_")


def _cause(exc: WorkerFailure, handle: StudentHandle | None) -> str | None:
    """The failure's cause when it fails more than one check the same way: the file not
    loading (the handle remembers that failure and raises it for every call) or a function
    still the stub's."""
    if handle is not None and exc is handle.unavailable:
        return "load"
    return f"stub:{exc.stub}" if exc.stub else None


def hidden_generator(key: bytes, n: int) -> torch.Generator:
    """A generator seeded from sha256(key, n): the same stream for the same secret, another otherwise."""
    digest = hashlib.sha256(key + b"\0" + str(int(n)).encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)


def _title(func: Any, name: str) -> str:
    doc = (getattr(func, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else name.removeprefix("test_").replace("_", " ")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else "skipped"


def _forget(check_files: list[Path], before: set[str]) -> None:
    """Drop the check modules this run imported. pytest's importlib mode reuses a module
    already in sys.modules under the same name (`assignments.<id>.checks_public`), so the
    next run, in this process, of another course with that assignment id would otherwise
    run these checks instead of its own. Only modules new since `before` are looked at:
    resolving the path of each of torch's ~1,300 modules cost 0.15 s of every run."""
    files = {str(p.resolve()) for p in check_files}
    for name in sys.modules.keys() - before:
        path = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(path, str) and os.path.realpath(path) in files:
            del sys.modules[name]


def run_suite(check_files: list[Path], plugin: GraderPlugin, rootdir: Path) -> None:
    """Run pytest in-process over the check files with nothing of the project's config."""
    args = [str(p) for p in check_files] + [
        "--noconftest", "--assert=plain", "--import-mode=importlib", "-p", "no:cacheprovider",
        "-p", "no:stepwise", "-p", "no:warnings", "-p", "no:logging", "-p", "no:unraisableexception",
        "-p", "no:threadexception", "-o", "addopts=", "-o", "python_functions=test_*",
        "-c", os.devnull, "--rootdir", str(rootdir), "-W", "ignore",
        # No capture and no terminal report: the checks' own prints and pytest's errors go to
        # the sink below all the same; capturing each check's descriptors and reporting its
        # progress cost 13% and 5% of the grader's CPU per student (issue 20).
        "-p", "no:capture", "-p", "no:terminal",
    ]
    sink = io.StringIO()
    before = set(sys.modules)
    try:
        with redirect_stdout(sink), redirect_stderr(sink):
            code = pytest.main(args, plugins=[plugin])
    finally:
        _forget(check_files, before)
    if plugin.collect_errors or code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        detail = "; ".join(plugin.collect_errors) or sink.getvalue()[-2000:]
        raise CheckSuiteError(f"the checks could not run: {detail}")


def _params(item: pytest.Item) -> dict[str, Any]:
    """The parameters pytest gave this check (the student's index among them)."""
    return dict(getattr(getattr(item, "callspec", None), "params", {}))
