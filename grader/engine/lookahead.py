"""Probe calls sent before the check asks for them (issue 20: calls that do not depend on
each other's answers travel together).

A check calls the student's worker one call at a time and waits for each answer, so the
worker sits idle while the check compares and the check sits idle while the worker
computes. Yet a check makes the same calls for every student as long as its inputs do not
depend on the answers (fixed inputs, or the hidden generator's, seeded once per course).
So the calls a check made for the students before are sent to this student's worker as
soon as the check starts, and the worker answers them while the check works.

A call the check then makes takes the answer waiting in the pipe only if it is the same
request, byte for byte, as the oldest guess; answers are read in order, so each is the
worker's answer to exactly the request the check made. The first call that differs ends
the guessing for that check: the guesses' answers still due are read and dropped before
it is sent. A guess never changes a check's outcome. What it can change: a check that
stops early (a failed comparison) leaves guesses that ran in the student's process
although the check never asked for them. Their answers are dropped unread; a worker that
does not give them within DRAIN_SECONDS is replaced, like a crashed one but unreported.
"""
from __future__ import annotations

import time
from collections import deque

from grader.engine.workers import Worker, WorkerFailure

AHEAD_CALLS = 32           # calls in flight at once
AHEAD_BYTES = 48 * 2**10   # and their bytes: well inside a socket's send buffer, so a send never waits
DRAIN_SECONDS = 1.0        # for the answers of guesses a check did not use
GIVE_UP_AFTER = 2          # a check whose calls changed this many times in a row is no longer guessed


class CallScripts:
    """What each check asked the students' workers, in order: the guess for the next student."""

    def __init__(self) -> None:
        self._calls: dict[str, list[bytes]] = {}
        self._misses: dict[str, int] = {}

    def guess(self, check_id: str) -> list[bytes]:
        """The calls `check_id` is expected to make; none while its calls keep changing."""
        if self._misses.get(check_id, 0) >= GIVE_UP_AFTER:
            return []
        return self._calls.get(check_id, [])

    def learn(self, check_id: str, made: list[bytes]) -> None:
        """A run of the check made `made`. A check that stopped early made a prefix of its calls:
        that is no miss, and the longer list is kept. Calls up to the first too large to send
        ahead are kept (a training set in a call is never guessed, nor what follows it)."""
        large = next((i for i, payload in enumerate(made) if len(payload) > AHEAD_BYTES), None)
        made = made[:large]
        known = self._calls.get(check_id)
        if known is not None and known[:len(made)] == made:
            self._misses[check_id] = 0
            return
        if known is not None and made[:len(known)] != known:
            self._misses[check_id] = self._misses.get(check_id, 0) + 1
        else:
            self._misses[check_id] = 0
        self._calls[check_id] = list(made)


class Lookahead:
    """The guessed calls of one check on one worker: sent, not yet claimed, oldest first."""

    def __init__(self, worker: Worker, guess: list[bytes]) -> None:
        self.worker = worker
        self._waiting = deque(guess)      # guesses not sent yet (the window was full)
        self._sent: deque[bytes] = deque()  # sent, their answers not yet read
        self._bytes = 0
        self.top_up()

    def top_up(self) -> None:
        """Send the guesses the window has room for, in one go; a send that fails ends the guessing."""
        batch: list[bytes] = []
        size = self._bytes
        while self._waiting and len(self._sent) + len(batch) < AHEAD_CALLS and size + len(self._waiting[0]) <= AHEAD_BYTES:
            batch.append(self._waiting.popleft())
            size += len(batch[-1])
        if not batch:
            return
        try:
            self.worker.send(*batch)
        except WorkerFailure:
            self._waiting.clear()  # the worker is gone: the check's own call will say so
            return
        self._sent.extend(batch)
        self._bytes = size

    def claim(self, payload: bytes) -> bool:
        """True when `payload` is the oldest guess sent: its answer is the next to read."""
        if self._sent and self._sent[0] == payload:
            self._bytes -= len(self._sent.popleft())
            return True
        self._waiting.clear()  # the check went another way: guess no further
        return False

    @property
    def pending(self) -> int:
        """Guesses sent whose answers have not been read."""
        return len(self._sent)

    def drop(self) -> bool:
        """Read and drop the answers of the guesses not claimed. False when they did not all come
        within DRAIN_SECONDS or the worker failed meanwhile: it must then be replaced."""
        self._waiting.clear()
        deadline = time.monotonic() + DRAIN_SECONDS
        while self._sent:
            self._bytes -= len(self._sent.popleft())
            try:
                self.worker.answer("a call sent ahead", max(deadline - time.monotonic(), 0.05))
            except WorkerFailure:  # a timeout kills the worker; an error it answered does not
                if not self.worker.alive:
                    return False
        return True
