"""The result types that flow unchanged from the checks to every output."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Status(str, enum.Enum):
    """How a check ended; the value is what results.json says."""
    PASSED = "passed"
    FAILED = "failed"    # the submission's answer is wrong
    ERROR = "error"      # the submission crashed, raised, or could not be loaded
    TIMEOUT = "timeout"  # the submission ran past its time limit
    SKIPPED = "skipped"  # not run, with the reason in the message
    # Not run because an earlier check already failed for the same reason (the file does not
    # import, a function is still the stub's): 0 of its points, counted as failed.
    NOT_RUN = "not_run"


class Flag(str, enum.Enum):
    """A note on an assignment that asks for an instructor's look (the class report lists them)."""

    TIMED_OUT = "timed out"
    CRASHED = "crashed"
    OUT_OF_MEMORY = "ran out of memory"

    def __str__(self) -> str:  # written into notes and reports as its words
        return self.value

    @classmethod
    def of(cls, note: str) -> Flag | None:
        """The flag a note is (notes read back from results.json are plain text), or None."""
        try:
            return cls(note)
        except ValueError:
            return None


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict for one student: status, points, and what to tell them."""
    check_id: str
    title: str
    status: Status
    score: float
    max_score: float
    message: str = ""
    hint: str = ""
    hidden: bool = False
    details: dict | None = None  # plain data: expected vs got, the largest difference
    # A skipped check scores 0 of 0 and counts in no total or pass rate; this is what it
    # is worth where it can run (a GPU check on a machine without one).
    not_counted: float = 0.0

    @property
    def passed(self) -> bool:
        """The check ran and the answer was right."""
        return self.status is Status.PASSED

    @property
    def failed(self) -> bool:
        """Counted and not passed: a wrong answer, an error, a timeout or not run for an
        earlier failure's reason. A skipped check (cannot run here) is neither."""
        return self.status not in (Status.PASSED, Status.SKIPPED)

    def feedback(self, separator: str = " ") -> str:
        """What a student reads of a failure: the message, then the hint when there is one."""
        return self.message + (f"{separator}Hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class AssignmentResult:
    """One student's result on one assignment: its checks, or why it could not be graded."""
    assignment_id: str
    title: str
    max_score: float
    checks: tuple[CheckResult, ...] = ()
    graded_file: str | None = None
    error: str | None = None  # why the submission could not be graded at all
    notes: tuple[str, ...] = ()  # what the grader did about the submission (flags)
    output: str = ""  # the head and tail of what the student's code printed
    seconds: float = 0.0  # time spent grading this student's work on this assignment

    @property
    def score(self) -> float:
        """The points of its checks, summed."""
        return round(sum(c.score for c in self.checks), 6)

    @property
    def handed_in(self) -> bool:
        """False when there was no file to grade: then there are no check rows, only `error`."""
        return self.graded_file is not None

    @property
    def not_counted(self) -> float:
        """Points of checks that could not run here, left out of max_score."""
        return sum(c.not_counted for c in self.checks)


@dataclass(frozen=True)
class StudentResult:
    """Everything one student got in a batch: a result per assignment."""
    student: str
    assignments: tuple[AssignmentResult, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        """The student's points over every assignment."""
        return round(sum(a.score for a in self.assignments), 6)

    @property
    def max_score(self) -> float:
        """The points the student could have had here."""
        return sum(a.max_score for a in self.assignments)
