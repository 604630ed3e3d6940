"""The result types that flow unchanged from the checks to every output."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"    # the submission's answer is wrong
    ERROR = "error"      # the submission crashed, raised, or could not be loaded
    TIMEOUT = "timeout"  # the submission ran past its time limit
    SKIPPED = "skipped"  # not run, with the reason in the message


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    title: str
    status: Status
    score: float
    max_score: float
    message: str = ""
    hint: str = ""
    hidden: bool = False
    details: dict | None = None  # plain data: expected vs got, the largest difference

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


@dataclass(frozen=True)
class AssignmentResult:
    assignment_id: str
    title: str
    max_score: float
    checks: tuple[CheckResult, ...] = ()
    graded_file: str | None = None
    error: str | None = None  # why the submission could not be graded at all
    notes: tuple[str, ...] = ()  # what the grader did about the submission (flags)
    output: str = ""  # the head and tail of what the student's code printed

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)


@dataclass(frozen=True)
class StudentResult:
    student: str
    assignments: tuple[AssignmentResult, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return round(sum(a.score for a in self.assignments), 6)

    @property
    def max_score(self) -> float:
        return sum(a.max_score for a in self.assignments)
