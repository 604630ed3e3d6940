"""Start a sandbox worker in a background thread, so that its fork, isolation and import
overlap the checks of the student before it (issue 20: no idle waits in a batch).

A background thread (background.py) spawns the worker and waits until its module is imported; the import timeout
therefore counts from the worker's start, whenever a check first needs the worker. A start
that is never used (grading cancelled, an error) is cancelled: its worker is killed.
"""
from __future__ import annotations

import threading

from grader.engine.background import in_background
from grader.engine.workers import Channel, Worker, WorkerSpec

# A channel carries one spawn request at a time: a background start and a check's restart
# of a crashed worker may ask at once.
_SPAWN_LOCK = threading.Lock()


class WorkerStart:
    """A worker being started: spawned, then waited on until its module is imported, or failed."""

    def __init__(self, channel: Channel, spec: WorkerSpec) -> None:
        self.worker: Worker | None = None  # set once spawned, even if its import then fails
        self._cancelled = False
        self._task = in_background(lambda: self._run(channel, spec))

    def _run(self, channel: Channel, spec: WorkerSpec) -> Worker:
        with _SPAWN_LOCK:
            worker = channel.spawn(spec)
        self.worker = worker
        if self._cancelled:  # cancel() ran while the spawn was under way
            worker.kill()
        worker.wait_ready()
        return worker

    def done(self) -> bool:
        """Whether the start has finished, well or not (wait() then returns at once)."""
        return self._task.done()

    def wait(self) -> Worker:
        """The ready worker; raises what starting it raised (WorkerFailure, GraderError)."""
        worker: Worker = self._task.wait()
        return worker

    def cancel(self) -> None:
        """Kill the worker, started or about to be, and wait for its start to end."""
        self._cancelled = True
        if self.worker is not None:
            self.worker.kill()
        try:
            self._task.wait()
        except BaseException:  # noqa: BLE001 - a cancelled start's failure is nobody's news
            pass
        if self.worker is not None:
            self.worker.close()
