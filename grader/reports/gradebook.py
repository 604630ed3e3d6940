"""grades.csv: one row per student, one column per assignment, then the total."""
from __future__ import annotations

import csv
import io

from grader.course.catalogue import Assignment
from grader.results import StudentResult


def to_csv(assignments: list[Assignment] | tuple[Assignment, ...], results: list[StudentResult]) -> str:
    """grades.csv's text: the header, then one row per student sorted by id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *(a.id for a in assignments), "total"])
    for r in sorted(results, key=lambda r: r.student):
        scores = {a.assignment_id: a.score for a in r.assignments}
        writer.writerow([spreadsheet_safe(r.student), *(f"{scores.get(a.id, 0):g}" for a in assignments),
                         f"{r.score:g}"])
    return out.getvalue()


# OWASP's CSV injection advice: a cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Keep spreadsheets from reading a text cell as a formula: prefix a single quote (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
