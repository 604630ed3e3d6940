"""grades.csv: one row per student, one column per assignment, then the total."""
from __future__ import annotations

import csv
import io

from grader.course.catalogue import Assignment
from grader.results import StudentResult


def to_csv(assignments: list[Assignment] | tuple[Assignment, ...], results: list[StudentResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *(a.id for a in assignments), "total"])
    for r in sorted(results, key=lambda r: r.student):
        scores = {a.assignment_id: a.score for a in r.assignments}
        writer.writerow([safe_cell(r.student), *(f"{scores.get(a.id, 0):g}" for a in assignments), f"{r.score:g}"])
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Keep spreadsheets from reading a name as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
