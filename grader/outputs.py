"""Write a graded batch to its output folder (the only module that writes results)."""
from __future__ import annotations

from pathlib import Path

from grader import gradebook, gradescope, html_report
from grader.catalogue import Assignment
from grader.files import write_atomic
from grader.results import StudentResult


def write_batch(out: Path, assignments: tuple[Assignment, ...] | list[Assignment],
                results: list[StudentResult], seconds: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        folder = out / r.student
        write_atomic(folder / "results.json", gradescope.dumps(r))
        write_atomic(folder / "report.html", html_report.student_report(r))
    write_atomic(out / "grades.csv", gradebook.to_csv(assignments, results))
    write_atomic(out / "index.html", html_report.class_report(results, {a.id: a.title for a in assignments}, seconds))
