"""Check the checks: the reference scores full, the stub its documented score, and each
mutant fails exactly the checks its header names (`# fails: check_a, check_b`) and gets
its own hint (`# hint: ...`) on each of them."""
from __future__ import annotations

from dataclasses import dataclass

from grader.catalogue import Assignment
from grader.diagnosis import mutant_fails, mutant_hint
from grader.grading import Grader, Target
from grader.results import AssignmentResult, Status
from grader.submission import SubmissionFile


def failed_checks(result: AssignmentResult) -> set[str]:
    """Checks that ran and did not pass (a check skipped for want of a GPU is neither)."""
    return {c.check_id for c in result.checks if c.status not in (Status.PASSED, Status.SKIPPED)}


@dataclass(frozen=True)
class Row:
    assignment: str
    case: str
    expected: str
    got: str
    ok: bool


def validate_assignment(grader: Grader, assignment: Assignment) -> list[Row]:
    """Grade the reference, the stub and every mutant in one batch; compare with expectations."""
    course = grader.course
    cases = {"reference": course.reference_dir / f"{assignment.id}.py",
             "stub": course.template_dir / f"{assignment.id}.py"}
    cases.update({f"mutant {m.stem}": m for m in assignment.mutants})
    targets = [Target(name, SubmissionFile(f"{assignment.id}.py", path.read_bytes())) for name, path in cases.items()]
    rows = []
    for target, result in zip(targets, grader.grade(assignment, targets)):
        failed = failed_checks(result)
        if target.student == "reference":
            rows.append(Row(assignment.id, "reference", f"{assignment.points:g}/{assignment.points:g}",
                            f"{result.score:g}/{result.max_score:g}", not failed and result.score == assignment.points))
        elif target.student == "stub":
            rows.append(Row(assignment.id, "stub", f"{assignment.stub_score:g}", f"{result.score:g}",
                            result.error is None and result.score == assignment.stub_score))
        else:
            want = mutant_fails(cases[target.student])
            unhinted = unhinted_checks(result, mutant_hint(cases[target.student]))
            got = "fails " + (", ".join(sorted(failed)) or "nothing")
            if unhinted:
                got += "; its hint is not shown on " + ", ".join(sorted(unhinted))
            rows.append(Row(assignment.id, target.student, "fails " + ", ".join(sorted(want)) + ", with its hint",
                            got, failed == want and not unhinted))
    return rows


def unhinted_checks(result: AssignmentResult, hint: str) -> set[str]:
    """The failed checks whose feedback does not show the mutant's hint (all of them without one)."""
    failed = failed_checks(result)
    return {c.check_id for c in result.checks if c.check_id in failed and not (hint and hint in c.hint)}
