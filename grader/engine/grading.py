"""Grade submissions: the pipeline from found submissions to results, no file output.

find assignments (catalogue) -> read submissions (submission) -> expected values
from the reference, once per batch -> each assignment's checks over the students
(plugin, workers) -> StudentResult per student. The CLI writes the files.
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from grader.authoring.mutants import mutant_fails, mutant_hint, mutant_source
from grader.course.catalogue import Assignment, Course
from grader.course.notebook import NotebookError, cells_payload, read_code_cells
from grader.course.submission import Submission, SubmissionFile
from grader.engine.diagnosis import KnownMistake, expected_only, known_mistakes, store_entries
from grader.engine.expected_cache import cache_dir, cache_path, load_cached, save_cached
from grader.engine.handles import ExpectedValues, ProbeCall, StudentHandle, load_store
from grader.engine.placement import Placement, placed
from grader.engine.plugin import GraderPlugin, run_suite
from grader.engine.scheduling import TaskQueue
from grader.engine.starters import Starter, attach
from grader.engine.workers import Channel, FailureKind, WorkerFailure, WorkerSpec
from grader.errors import GraderError, UsageError
from grader.results import AssignmentResult, CheckResult, Flag, Status, StudentResult

REFERENCE = "__reference__"


@dataclass(frozen=True)
class Target:
    """One student's work on one assignment: a file, or why there is none."""

    student: str
    file: SubmissionFile | None
    problem: str | None = None
    note: str | None = None


class Grader:
    """Grades assignments through one fork server; expected values cached per assignment."""

    def __init__(self, course: Course, server: Starter, include_hidden: bool = True,
                 limits: dict[str, float] | None = None, hide: tuple[Path, ...] = (),
                 expected_values: dict[str, dict[str, bytes]] | None = None, cache_expected: bool = False,
                 placement: Placement | None = None) -> None:
        self.course = course
        self.placement = placement  # CPUs for this process, its server and workers while grading (placement.py)
        self.cache_expected = cache_expected  # keep a checkout's expected values on disk (expected_cache)
        self.server = server
        self.include_hidden = include_hidden
        self.limits = limits or {}
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
        os.chmod(self.scratch, 0o711)  # workers may pass through, not list
        # Workers never see the course (reference, checks), this batch's scratch, or
        # whatever the caller names (the submissions and the output folder).
        self.hide = tuple(str(p) for p in (course.root, self.scratch, *hide))
        if cache_expected:  # the reference's answers, hidden checks' included
            self.hide += (str(cache_dir()),)
        self._channel: Channel | None = None
        # Per assignment, the reference's recorded answers; a dict passed in is shared, not copied.
        self.expected_values: dict[str, dict[str, bytes]] = {} if expected_values is None else expected_values
        self._known: dict[str, dict[str, list[KnownMistake]]] = {}
        self.cost: dict[str, float] = {}  # seconds the reference took per assignment: a task-size estimate

    @property
    def channel(self) -> Channel:
        """This process's channel to the engine, opened on first use."""
        if self._channel is None:
            self._channel = self.server.connect()
        return self._channel

    def close(self) -> None:
        """Close this process's channel; the engine itself belongs to whoever started it."""
        if self._channel is not None:
            self._channel.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def expected(self, assignment: Assignment) -> dict[str, bytes]:
        """The reference's answers to every expected.* call of the checks, once per batch:
        recorded by running the checks on the reference, or read from stored files.
        The same store holds the known mistakes' answers (grader/engine/diagnosis.py)."""
        if assignment.id not in self.expected_values:
            ref = self.course.reference_dir / f"{assignment.id}.py"
            if not ref.is_file():
                stored = self.course.expected_files(assignment.id)
                if not stored:
                    raise GraderError(f"no reference solution at {ref} and no stored expected values "
                                      f"for {assignment.id}")
                self.expected_values[assignment.id] = {k: v for p in stored
                                                       for k, v in load_store(p.read_text()).items()}
                return self.expected_values[assignment.id]
            cached = cache_path(self.course, assignment, self.include_hidden) if self.cache_expected else None
            if cached is not None and (values := load_cached(cached)) is not None:
                self.expected_values[assignment.id] = values
                return values
            target = Target(REFERENCE, SubmissionFile(ref.name, ref.read_bytes()))
            source = make_handle(self.channel, assignment, target, self.scratch / "reference", self.limits, self.hide,
                                 self.placement)
            recorder = ExpectedValues(source=source)
            started = time.monotonic()
            try:
                result, = self._run(assignment, [target], recorder)
            finally:
                source.close()
            self.cost[assignment.id] = time.monotonic() - started
            failed = [c for c in result.checks if c.failed]
            if failed:
                raise GraderError(f"the reference solution fails {assignment.id} checks "
                                  f"{', '.join(c.check_id for c in failed)}: {failed[0].message}")
            self.expected_values[assignment.id] = {**recorder.store, **self._mistakes(assignment, recorder.store)}
            if cached is not None:
                save_cached(cached, self.expected_values[assignment.id])
        return self.expected_values[assignment.id]

    def _mistakes(self, assignment: Assignment, store: dict[str, bytes]) -> dict[str, bytes]:
        """Each hinted mutant's answers to the checks it fails, recorded like the expected values."""
        hints, fails, targets = {}, {}, []
        for m in assignment.mutants:
            try:
                hints[m.stem], fails[m.stem] = mutant_hint(m), mutant_fails(m)
            except UsageError:
                continue  # a malformed header: `grader validate` says so; the batch goes on without it
            if hints[m.stem]:
                targets.append(Target(m.stem, SubmissionFile(f"{assignment.id}.py", mutant_source(m))))
        recorded: dict[str, dict[str, list[ProbeCall]]] = {}
        if targets:  # each mutant runs only the checks it names: its hint is for those
            self._run(assignment, targets, ExpectedValues(store), recorded=recorded, only=fails)
        entries: dict[str, bytes] = {}
        for stem, checks in recorded.items():
            entries.update(store_entries(stem, hints[stem], checks))
        return entries

    def known(self, assignment: Assignment) -> dict[str, list[KnownMistake]]:
        """The known mistakes of an assignment by check id, decoded once per batch."""
        if assignment.id not in self._known:
            self._known[assignment.id] = known_mistakes(self.expected(assignment))
        return self._known[assignment.id]

    def grade(self, assignment: Assignment, targets: list[Target]) -> list[AssignmentResult]:
        """Grade `targets` on `assignment`: one result per target, in order, whatever each does."""
        store = self.expected(assignment)
        return self._run(assignment, targets, ExpectedValues(expected_only(store)), known=self.known(assignment))

    def _run(self, assignment: Assignment, targets: list[Target], expected: ExpectedValues,
             **options: Any) -> list[AssignmentResult]:
        """run_assignment with this grader's settings, placed on its CPUs while it runs."""
        with placed(self.placement):
            return run_assignment(self.channel, assignment, targets, expected, self.include_hidden, self.scratch,
                                  self.limits, self.hide, hidden_key=self.course.hidden_key(assignment.id),
                                  placement=self.placement, **options)


def make_handle(channel: Channel, assignment: Assignment, target: Target, scratch: Path,
                limits: dict[str, float], hide: tuple[str, ...] = (), placement: Placement | None = None) -> StudentHandle:
    """Put the student's file alone in a fresh scratch folder and describe its worker."""
    if target.file is None:
        return StudentHandle(None, None, WorkerFailure(FailureKind.MISSING, target.problem or "nothing was submitted",
                                                       f"Submit {assignment.id}.py (or .ipynb)."))
    scratch.mkdir(parents=True, exist_ok=True)
    os.chmod(scratch, 0o711)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    os.chmod(folder, 0o755)  # the worker's unprivileged user reads its file; its work folder is its own
    worker_limits = assignment.limits.scaled(**limits)
    notes: list[str] = []
    notebook = target.file.name.endswith(".ipynb")
    if notebook:
        try:
            cells, notes = read_code_cells(target.file.data, target.file.name)
        except NotebookError as exc:
            return StudentHandle(None, None, WorkerFailure(FailureKind.NOTEBOOK, str(exc),
                                                           "Open the notebook in Jupyter, run it, save it."))
        source = folder / f"{assignment.id}.cells.json"
        source.write_bytes(cells_payload(cells))
    else:
        source = folder / f"{assignment.id}.py"
        source.write_bytes(target.file.data)
    source.chmod(0o644)
    probes = assignment.probes if assignment.probes.is_file() else None
    spec = WorkerSpec(module=assignment.id, source=str(source), scratch=str(folder),
                      probes=str(probes) if probes else None, limits=worker_limits, hide=hide,
                      notebook=notebook, display_name=target.file.name,
                      cpu=placement.home if placement else None)
    handle = StudentHandle(channel, spec, placement=placement)
    handle.notes += notes
    return handle


def run_assignment(channel: Channel, assignment: Assignment, targets: list[Target],
                   expected: ExpectedValues, include_hidden: bool, scratch: Path,
                   limits: dict[str, float], hide: tuple[str, ...] = (), *, hidden_key: bytes,
                   known: dict[str, list[KnownMistake]] | None = None,
                   recorded: dict[str, dict[str, list[ProbeCall]]] | None = None,
                   only: dict[str, set[str]] | None = None,
                   placement: Placement | None = None) -> list[AssignmentResult]:
    """Run the assignment's checks over the targets in one pytest session: hidden inputs from
    `hidden_key`; `known` mistakes diagnose failures; `recorded`, when given, receives each
    target's failed checks' calls; `only`, when given, limits each target to the checks it names;
    `placement`, when given, is where workers answer and end (grader/engine/placement.py)."""
    # Nothing handed in: one line and 0 of the full points, so no check need run for it; one
    # such target still runs when nobody else does, to learn what the full points are here.
    graded = [t for t in targets if t.file is not None] or targets[:1]
    batch_scratch = Path(tempfile.mkdtemp(dir=scratch))
    os.chmod(batch_scratch, 0o711)  # without a mount namespace, workers (other uids) must pass through
    try:
        factories: list[tuple[str, Callable[[], StudentHandle]]] = [
            (t.student, functools.partial(make_handle, channel, assignment, t, batch_scratch / str(i), limits, hide,
                                       placement))
            for i, t in enumerate(graded)]
        files = [assignment.public_checks] + ([assignment.hidden_checks] if include_hidden
                                              and assignment.hidden_checks.is_file() else [])
        plugin = GraderPlugin(factories, expected, assignment.hidden_checks, hidden_key, known, recorded, only)
        try:
            # Rooted at the course so each assignment's check modules get their own names.
            run_suite(files, plugin, assignment.folder.parent.parent)
        finally:
            for handle in plugin.handles.values():
                handle.close()
        full = max((sum(c.max_score for c in checks) for checks in plugin.results.values()), default=0.0)
        return [_assignment_result(assignment, t, plugin.results[t.student], plugin.handles.get(t.student),
                                   plugin.seconds[t.student]) if t.file is not None
                else _not_handed_in(assignment, t, full) for t in targets]
    finally:
        shutil.rmtree(batch_scratch, ignore_errors=True)


NOT_HANDED_IN = "not handed in"


def _not_handed_in(assignment: Assignment, target: Target, max_score: float) -> AssignmentResult:
    """One line, not a failing row per check; still 0 of the full points."""
    return AssignmentResult(assignment_id=assignment.id, title=assignment.title, max_score=max_score,
                            error=target.problem or NOT_HANDED_IN)


def _assignment_result(assignment: Assignment, target: Target, checks: list[CheckResult],
                       handle: StudentHandle | None, seconds: float = 0.0) -> AssignmentResult:
    assert target.file is not None  # nothing handed in: _not_handed_in
    max_score = sum(c.max_score for c in checks)
    notes = [target.note] if target.note else []
    error = target.problem
    if handle is not None:
        if handle.unavailable is not None:
            error = handle.unavailable.message
        notes += flags_of(handle.events)
        notes += handle.notes
        if handle.missing_layers:
            notes.append("sandbox layers not available here: " + ", ".join(handle.missing_layers))
    notes += [f"{c.message}: {c.title} ({_points(c.not_counted)}, left out of the maximum)"
              for c in checks if c.status is Status.SKIPPED and c.not_counted]
    return AssignmentResult(
        assignment_id=assignment.id, title=assignment.title, max_score=max_score,
        checks=tuple(checks), graded_file=target.file.name, error=error,
        notes=tuple(notes), output=handle.output() if handle else "", seconds=seconds)


_FLAGS = {FailureKind.TIMEOUT: Flag.TIMED_OUT, FailureKind.IMPORT_TIMEOUT: Flag.TIMED_OUT,
          FailureKind.CRASHED: Flag.CRASHED, FailureKind.EXITED: Flag.CRASHED, FailureKind.MEMORY: Flag.OUT_OF_MEMORY}


def flags_of(events: list[FailureKind]) -> list[str]:
    """The flags a worker's deaths earn, each once, in Flag's order (the words results.json holds)."""
    raised = {_FLAGS[kind] for kind in events if kind in _FLAGS}
    return [flag.value for flag in Flag if flag in raised]


def _points(n: float) -> str:
    return f"{n:g} point" + ("" if n == 1 else "s")


# -- batches over many processes -------------------------------------------------------
_shard_grader: Grader | None = None


def _shard_init(course: Course, server_path: str, include_hidden: bool, limits: dict[str, float],
                hide: tuple[str, ...]) -> None:
    global _shard_grader
    server = attach(server_path)
    _shard_grader = Grader(course, server, include_hidden, limits, tuple(Path(h) for h in hide))
    Finalize(None, _shard_grader.close, exitpriority=10)  # the pool process's scratch goes when it exits


def run_task(grader: Grader, assignment_id: str, targets: list[Target], store: dict[str, bytes]) -> list[AssignmentResult]:
    """One task anywhere: the batch's expected values travel with it (computed once, by the client)."""
    grader.expected_values.setdefault(assignment_id, store)
    return grader.grade(grader.course.get(assignment_id), targets)


def _shard_run(assignment_id: str, targets: list[Target], store: dict[str, bytes]) -> list[AssignmentResult]:
    assert _shard_grader is not None
    return run_task(_shard_grader, assignment_id, targets, store)


def targets_for(assignment: Assignment, submissions: list[Submission]) -> list[Target]:
    """One target per submission: its file for this assignment, or None (not handed in)."""
    out = []
    for s in submissions:
        problem = s.problem or s.problems.get(assignment.id)
        out.append(Target(s.student, None if problem else s.files.get(assignment.id), problem,
                          s.notes.get(assignment.id)))
    return out


def _ready() -> None:
    """A no-op task: submitting one per process starts the pool's processes now."""


def grade_batch(grader: Grader, assignments: Iterable[Assignment], submissions: list[Submission],
                jobs: int = 1, progress: Callable[[int], None] | None = None,
                executor: Executor | None = None, task: Callable[..., list[AssignmentResult]] | None = None,
                ship: Callable[[dict[str, bytes]], Any] | None = None) -> list[StudentResult]:
    """Grade every submission on every assignment; results sorted by student.

    With jobs=1 each assignment is one pytest session here. Otherwise tasks (an
    assignment and a slice of students, sized as the batch runs: grader/engine/scheduling.py)
    go to a local pool of `jobs` processes sharing one fork server, or to any other
    executor (grader/engine/distributed.py passes a Dask cluster's) with the `task` that runs
    there; one task per slot at a time, so each task's duration is its own. `ship` turns an
    assignment's expected values into what its tasks carry (Dask: a reference to data that
    reaches each worker once); by default the values themselves.
    """
    assignments = list(assignments)
    own = executor is None and jobs > 1
    if own:
        executor = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_shard_init,
                                       initargs=(grader.course, grader.server.path, grader.include_hidden,
                                                 grader.limits, grader.hide))
        for _ in range(jobs):  # processes start on demand: start them now, to import while we record
            executor.submit(_ready)
        grader.server.wait_ready()  # before any task: pool processes attach to a ready server
    by_student: dict[str, dict[str, AssignmentResult]] = {s.student: {} for s in submissions}
    queue = TaskQueue(len(submissions), jobs)
    pending: dict[Future, tuple[str, list[Target], float]] = {}
    stores: dict[str, Any] = {}

    def collect(results: list[AssignmentResult], targets: list[Target]) -> None:
        for t, r in zip(targets, results):
            by_student[t.student][r.assignment_id] = r
        if progress:
            progress(len(targets))

    def submit_and_collect(timeout: float | None) -> None:
        assert executor is not None
        while len(pending) < jobs and (next_task := queue.next()):
            aid, students = next_task
            targets = targets_for(grader.course.get(aid), submissions[students.start:students.stop])
            future = executor.submit(task or _shard_run, aid, targets, stores[aid])
            pending[future] = (aid, targets, time.monotonic())
        done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            aid, targets, submitted = pending.pop(future)
            collect(future.result(), targets)
            queue.done(aid, len(targets), time.monotonic() - submitted)

    try:
        if executor is None:
            for a in assignments:
                targets = targets_for(a, submissions)
                collect(grader.grade(a, targets), targets)
        else:
            for a in assignments:  # grading starts as soon as an assignment's expected values exist
                stores[a.id] = ship(grader.expected(a)) if ship else grader.expected(a)
                queue.add(a.id, grader.cost.get(a.id, 1.0))
                submit_and_collect(timeout=0)
            while pending or queue:
                submit_and_collect(timeout=None)
    finally:
        if own and executor is not None:
            executor.shutdown()
    results = []
    for s in sorted(submissions, key=lambda s: s.student):
        graded = tuple(by_student[s.student][a.id] for a in assignments)
        results.append(StudentResult(s.student, graded, seconds=sum(a.seconds for a in graded)))
    return results
