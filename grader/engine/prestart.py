"""Start a sandbox worker in a background thread, so that its fork, isolation and import
overlap the checks of the student before it (issue 20: no idle waits in a batch).

The thread spawns the worker and waits until its module is imported; the import timeout
therefore counts from the worker's start, whenever a check first needs the worker. A start
that is never used (grading cancelled, an error) is cancelled: its worker is killed.
"""
from __future__ import annotations

import threading

from grader.engine.workers import Channel, Worker, WorkerSpec

# A channel carries one spawn request at a time: a background start and a check's restart
# of a crashed worker may ask at once.
_SPAWN_LOCK = threading.Lock()


class WorkerStart:
    """A worker being started: spawned, then waited on until its module is imported, or failed."""

    def __init__(self, channel: Channel, spec: WorkerSpec) -> None:
        self.worker: Worker | None = None  # set once spawned, even if its import then fails
        self._error: BaseException | None = None
        self._cancelled = False
        self._spawned = threading.Event()  # set once spawning is over, worker or not
        self._thread = threading.Thread(target=self._run, args=(channel, spec), name="grader-worker-start",
                                        daemon=True)
        self._thread.start()

    def _run(self, channel: Channel, spec: WorkerSpec) -> None:
        try:
            try:
                with _SPAWN_LOCK:
                    self.worker = worker = channel.spawn(spec)
            finally:
                self._spawned.set()
            if self._cancelled:  # cancel() ran while the spawn was under way
                worker.kill()
            worker.wait_ready()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits
            self._error = exc

    def importing(self) -> Worker | None:
        """The worker, once spawned (milliseconds), if it is still importing the module."""
        self._spawned.wait()
        return self.worker if self._thread.is_alive() and self.worker is not None and self.worker.alive else None

    def wait(self) -> Worker:
        """The ready worker; raises what starting it raised (WorkerFailure, GraderError)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self.worker is not None
        return self.worker

    def cancel(self) -> None:
        """Kill the worker, started or about to be, and wait for the thread to end."""
        self._cancelled = True
        if self.worker is not None:
            self.worker.kill()
        self._thread.join()
        if self.worker is not None:
            self.worker.close()
