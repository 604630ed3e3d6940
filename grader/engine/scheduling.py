"""Cut a batch into tasks as it runs: (assignment, a slice of the students) at a time.

Guided self-scheduling: each task gets a share of the estimated work still left, so
tasks start large (few pytest sessions) and shrink toward the end, where every slot
should finish at about the same time. A student's cost on an assignment is first
estimated from the reference's time and then replaced by what finished tasks took,
so a wrong first guess (xor's mutants train far longer than its reference) is
corrected after one task. The costliest assignment goes first: its students are the
coarsest grains, and coarse grains at the end leave slots idle.
"""
from __future__ import annotations

from dataclasses import dataclass

MIN_TASK_SECONDS = 1.0  # a pytest session costs ~35 ms: below this it would show
MAX_TASK_SECONDS = 15.0  # above this a wrong estimate could hold a slot too long


@dataclass
class _Work:
    students: int
    per_student: float
    next_student: int = 0
    measured_seconds: float = 0.0
    measured_students: int = 0

    @property
    def left(self) -> int:
        return self.students - self.next_student


class TaskQueue:
    """Hands out tasks for `slots` parallel runners and learns from their durations."""

    def __init__(self, students: int, slots: int) -> None:
        self.students, self.slots = students, max(slots, 1)
        self._work: dict[str, _Work] = {}

    def add(self, assignment_id: str, reference_seconds: float) -> None:
        """An assignment whose expected values are ready; its first cost guess."""
        self._work[assignment_id] = _Work(self.students, max(reference_seconds, 1e-3))

    def __bool__(self) -> bool:
        return any(w.left for w in self._work.values())

    def next(self) -> tuple[str, range] | None:
        """The next task: the costliest assignment with students left, and how many."""
        open_work = [(w.per_student, aid) for aid, w in self._work.items() if w.left]
        if not open_work:
            return None
        per_student, aid = max(open_work)
        work = self._work[aid]
        remaining = sum(w.per_student * w.left for w in self._work.values())
        seconds = min(max(remaining / (2 * self.slots), MIN_TASK_SECONDS), MAX_TASK_SECONDS)
        count = min(work.left, max(1, round(seconds / per_student)))
        start = work.next_student
        work.next_student += count
        return aid, range(start, start + count)

    def done(self, assignment_id: str, students: int, seconds: float) -> None:
        """A task finished: its time per student becomes the assignment's estimate."""
        work = self._work[assignment_id]
        work.measured_seconds += seconds
        work.measured_students += students
        work.per_student = max(work.measured_seconds / work.measured_students, 1e-3)
