"""Write a graded batch to its output folder, and re-render it from its JSON."""
from __future__ import annotations

import json
from pathlib import Path

from grader import gradebook, gradescope, html_report
from grader.catalogue import Assignment
from grader.errors import UsageError
from grader.files import write_atomic
from grader.junit import to_junit
from grader.results import StudentResult


def write_batch(out: Path, assignments: tuple[Assignment, ...] | list[Assignment],
                results: list[StudentResult], seconds: float, junit: Path | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        write_atomic(out / r.student / "results.json", gradescope.dumps(r))
    write_atomic(out / "grades.csv", gradebook.to_csv(assignments, results))
    batch = {"seconds": round(seconds, 3), "assignments": [{"id": a.id, "title": a.title} for a in assignments]}
    write_atomic(out / "batch.json", json.dumps(batch, indent=2) + "\n")
    if junit is not None:
        write_atomic(junit, to_junit(results))
    render_html(out, results, batch)


def render_html(out: Path, results: list[StudentResult], batch: dict) -> None:
    for r in results:
        write_atomic(out / r.student / "report.html", html_report.student_report(r))
    titles = {a["id"]: a["title"] for a in batch.get("assignments", [])}
    write_atomic(out / "index.html", html_report.class_report(results, titles, float(batch.get("seconds", 0))))


def load_batch(out: Path) -> tuple[list[StudentResult], dict]:
    """The results a `grade` run wrote, read back from DIR/<student>/results.json."""
    if not out.is_dir():
        raise UsageError(f"{out} is not a folder written by `grader grade`")
    results = []
    for path in sorted(out.glob("*/results.json")):
        try:
            results.append(gradescope.from_results_json(json.loads(path.read_text())))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}: not a results.json this grader wrote ({exc})") from None
    if not results:
        raise UsageError(f"{out} holds no <student>/results.json: run `grader grade` first")
    batch_file = out / "batch.json"
    batch = json.loads(batch_file.read_text()) if batch_file.is_file() else {}
    return results, batch
