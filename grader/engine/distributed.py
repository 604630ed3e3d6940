"""Grade a batch on an existing Dask cluster (Slurm through dask-jobqueue, Kubernetes
through dask-kubernetes, or `dask scheduler` + `dask worker` by hand); no scheduler of ours.

Each Dask worker hosts the same engine as a local run: a worker plugin starts one fork
server per Dask worker (not per task) and unpacks the course's checks and probes, which
travel once inside the plugin. The client computes each assignment's expected values
once and hands them to the cluster as one task's result: every grading task names that
result, so the values reach each worker once, not with every task (issue 19.5). Tasks
carry their submissions as bytes and return plain results; the client writes every output.
A Dask worker that dies loses nothing: the scheduler runs its tasks elsewhere, and
computes the expected values again from the task it keeps if no worker holds them.
Imported only for `grader grade --scheduler`.
"""
from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distributed import Client, WorkerPlugin, get_worker

from grader.course.catalogue import Course, load_course
from grader.course.submission import Submission
from grader.engine.grading import Grader, grade_batch, run_task
from grader.engine.starters import start_engine
from grader.errors import UsageError
from grader.results import AssignmentResult, StudentResult

PLUGIN_NAME = "grader-engine"


def course_bundle(course: Course) -> bytes:
    """The checks, probes and metadata the workers need (no reference, no mutants), as a tarball."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for a in course.assignments:
            files = [a.folder / n for n in ("assignment.toml", "probes.py", "checks_public.py")]
            files.append(a.hidden_checks)
            for path in files:
                if path.is_file():
                    name = "checks_hidden.py" if path == a.hidden_checks else path.name
                    tar.add(path, arcname=f"assignments/{a.id}/{name}")
    return buffer.getvalue()


class EnginePlugin(WorkerPlugin):
    """Starts the grading engine in a Dask worker: once per worker, kept for every task."""

    name = PLUGIN_NAME

    def __init__(self, bundle: bytes, include_hidden: bool, limits: dict[str, float]) -> None:
        self.bundle, self.include_hidden, self.limits = bundle, include_hidden, limits

    def setup(self, worker: Any) -> None:
        """Give the Dask worker its own engine, started once for every task it runs."""
        folder = Path(tempfile.mkdtemp(prefix="grader-course-"))
        with tarfile.open(fileobj=io.BytesIO(self.bundle), mode="r:gz") as tar:
            tar.extractall(folder, filter="data")
        server = start_engine()
        grader = Grader(load_course(folder), server, self.include_hidden, self.limits)
        worker._grader_engine = (grader, server, folder)

    def teardown(self, worker: Any) -> None:
        """Stop that worker's engine and remove its files."""
        engine: tuple[Any, Any, Path] | None = getattr(worker, "_grader_engine", None)
        if engine is not None:
            grader, server, folder = engine
            grader.close()
            server.close()
            shutil.rmtree(folder, ignore_errors=True)


def _grade_on_worker(assignment_id: str, targets: list, store: dict[str, bytes]) -> list[AssignmentResult]:
    engine = getattr(get_worker(), "_grader_engine")  # noqa: B009 - set by setup(); dask.Worker does not declare it
    return run_task(engine[0], assignment_id, targets, store)


def expected_values(store: dict[str, bytes]) -> dict[str, bytes]:
    """A task whose result is the expected values it carries: workers fetch the result once each."""
    return store


def ship_once(client: Client) -> Callable[[dict[str, bytes]], Any]:
    """What grade_batch hands each task instead of the expected values: a future of them.

    Not client.scatter: scattered data that every holder lost cannot be made again,
    while the scheduler recomputes a task's result from the task it keeps.
    """
    return lambda store: client.submit(expected_values, store, pure=False)


def connect(address: str, timeout: float = 10.0) -> Client:
    """A client for the scheduler, or a one-line UsageError before any work starts."""
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def grade_on_cluster(client: Client, grader: Grader, assignments: list, submissions: list[Submission],
                     progress: Callable[[int], None] | None = None) -> list[StudentResult]:
    """grade_batch, with the tasks run by the cluster's workers (retried elsewhere if one dies)."""
    client.register_plugin(EnginePlugin(course_bundle(grader.course), grader.include_hidden, grader.limits),
                           name=PLUGIN_NAME)
    threads = max(1, sum(client.nthreads().values()))
    executor = client.get_executor(retries=3, pure=False)
    return grade_batch(grader, assignments, submissions, jobs=threads, progress=progress,
                       executor=executor, task=_grade_on_worker, ship=ship_once(client))
