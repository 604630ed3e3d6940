"""Check the checks: the reference scores full, the stub its documented score, each
mutant fails exactly the checks its header names (`# fails: check_a, check_b`) and gets
its own hint (`# hint: ...`) on each of them, and each null student
(grader/course/null_students.py) scores nothing. Before any of that runs, the check files'
text: points add up, no expected value depends on an answer, the stub is the reference's."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.authoring.mutants import mutant_fails, mutant_hint, mutant_source
from grader.authoring.static_checks import declared_points, expected_uses_student
from grader.authoring.stubs import stub_for
from grader.course.catalogue import Assignment, Course
from grader.course.null_students import null_students
from grader.course.submission import SubmissionFile
from grader.engine.grading import Grader, Target
from grader.results import AssignmentResult, Status


def expected_failures(path: Path, result: AssignmentResult) -> set[str]:
    """The checks a mutant must fail here: those it names, less those that cannot run here
    (a mutant only a GPU catches fails nothing on a machine without one)."""
    return mutant_fails(path) - {c.check_id for c in result.checks if c.status is Status.SKIPPED}


def failed_checks(result: AssignmentResult) -> set[str]:
    """Checks that ran and did not pass (a check skipped for want of a GPU is neither)."""
    return {c.check_id for c in result.checks if c.failed}


@dataclass(frozen=True)
class Row:
    """One line of `grader validate`: a case (reference, stub, a mutant, a null student), what was expected and what came."""
    assignment: str
    case: str
    expected: str
    got: str
    ok: bool


def static_rows(course: Course, assignment: Assignment) -> list[Row]:
    """What the files' text says: the checks' points, expected values that use an answer, a drifted stub."""
    checks = [assignment.public_checks, assignment.hidden_checks]
    total, unread = declared_points([p for p in checks if p.is_file()])
    got = f"{total:g}" + "".join(f"; {f}" for f in unread)
    rows = [Row(assignment.id, "points", f"@points adding up to {assignment.points:g}", got,
                total == assignment.points and not unread)]
    uses = [str(f) for p in checks if p.is_file() for f in expected_uses_student(p)]
    rows.append(Row(assignment.id, "expected values", "no expected.* call uses a student's answer",
                    "; ".join(uses) or "none does", not uses))
    stub = course.template_dir / f"{assignment.id}.py"
    reference = course.reference_dir / f"{assignment.id}.py"
    made = stub_for(reference) if reference.is_file() else None
    if made is not None:  # a reference with solution markers is the stub's source
        same = stub.is_file() and stub.read_text() == made
        rows.append(Row(assignment.id, "stub source", f"{stub.name} made from the reference's markers",
                        "the same" if same else "it differs: run grader stubs", same))
    return rows


def validate_assignment(grader: Grader, assignment: Assignment) -> list[Row]:
    """The static rows, then grade the reference, the stub, every mutant and every null student
    in one batch and compare with expectations."""
    course = grader.course
    stub = course.template_dir / f"{assignment.id}.py"
    paths = {"reference": course.reference_dir / f"{assignment.id}.py", "stub": stub}
    paths.update({f"mutant {m.stem}": m for m in assignment.mutants})
    sources = {name: mutant_source(path) if name.startswith("mutant ") else path.read_bytes()
               for name, path in paths.items()}
    sources.update({name: text.encode() for name, text in null_students(stub.read_text()).items()})
    targets = [Target(name, SubmissionFile(f"{assignment.id}.py", data)) for name, data in sources.items()]
    return static_rows(course, assignment) + [_row(assignment, target.student, paths.get(target.student), result)
                                              for target, result in zip(targets, grader.grade(assignment, targets))]


def _row(assignment: Assignment, case: str, path: Path | None, result: AssignmentResult) -> Row:
    failed = failed_checks(result)
    if case == "reference":
        # A check that cannot run here (a GPU check) counts in no total, but its points still add up.
        skipped = f" (+{result.not_counted:g} not checked here)" if result.not_counted else ""
        return Row(assignment.id, case, f"{assignment.points:g}/{assignment.points:g}",
                   f"{result.score:g}/{result.max_score:g}{skipped}",
                   not failed and result.score == result.max_score
                   and result.max_score + result.not_counted == assignment.points)
    if case == "stub":
        return Row(assignment.id, case, f"{assignment.stub_score:g}", f"{result.score:g}",
                   result.error is None and result.score == assignment.stub_score)
    if path is None:  # a null student: nothing earns nothing
        return Row(assignment.id, case, "0", f"{result.score:g}", result.score == 0)
    named, want = mutant_fails(path), expected_failures(path, result)
    not_here = f" ({', '.join(sorted(named - want))} not checked here)" if named - want else ""
    unhinted = unhinted_checks(result, mutant_hint(path))
    got = "fails " + (", ".join(sorted(failed)) or "nothing")
    if unhinted:
        got += "; its hint is not shown on " + ", ".join(sorted(unhinted))
    return Row(assignment.id, case, "fails " + (", ".join(sorted(want)) or "nothing") + ", with its hint" + not_here,
               got, failed == want and not unhinted)


def unhinted_checks(result: AssignmentResult, hint: str) -> set[str]:
    """The failed checks whose feedback does not show the mutant's hint (all of them without one)."""
    failed = failed_checks(result)
    return {c.check_id for c in result.checks if c.check_id in failed and not (hint and hint in c.hint)}
