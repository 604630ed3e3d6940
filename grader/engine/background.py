"""Work a grading process does beside its checks (starting the next worker, hearing of a
retired one's end), on long-lived daemon threads.

A thread started per student cost the checks about 1.6 ms of wall time at each start
(Thread.start waits until the new thread has run; issue 20's profile: two starts per
student). These threads are started once and wait for work; a new one starts only when
every one is busy (a start stuck in a slow import, say). Daemon threads: a grader that
exits is never held up by a worker still importing.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


class Task:
    """A call run in the background: wait() gives its result or raises what it raised."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._finished = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Call it, keeping what it gave or raised (on a background thread)."""
        try:
            self._result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            self._error = exc
        finally:
            self._finished.set()

    def done(self) -> bool:
        """Whether it has finished (wait() then returns at once)."""
        return self._finished.is_set()

    def wait(self) -> Any:
        """Its result, once finished; raises what it raised."""
        self._finished.wait()
        if self._error is not None:
            raise self._error
        return self._result


class _Threads:
    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[Task] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a task and not yet promised one

    def submit(self, fn: Callable[[], Any]) -> Task:
        task = Task(fn)
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:
            threading.Thread(target=self._serve, name="grader-background", daemon=True).start()
        self._tasks.put(task)
        return task

    def _serve(self) -> None:
        while True:
            self._tasks.get().run()
            with self._lock:
                self._idle += 1


_threads = _Threads()


def in_background(fn: Callable[[], Any]) -> Task:
    """Run `fn` on a background thread; the Task says when it is done and what it gave."""
    return _threads.submit(fn)
