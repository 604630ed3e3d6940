"""Write a graded batch to its output folder, and re-render it from its JSON.

DIR holds the batch's own files (BATCH_FILES, and the JUnit file when asked for there)
and one folder per student, DIR/<student>/, whose id `list_entries` keeps clear of the
batch's names. Writing one student's files can fail (a full disk, text no encoder
takes) without costing anyone else's: every write is attempted and the failures are
returned, one line each, for the command to report.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

from grader.course.catalogue import Assignment
from grader.errors import UsageError
from grader.files import write_atomic
from grader.reports import gradebook, gradescope, html_report
from grader.reports.junit import to_junit
from grader.results import StudentResult

GRADEBOOK, BATCH, CLASS_REPORT = "grades.csv", "batch.json", "index.html"
BATCH_FILES = (GRADEBOOK, BATCH, CLASS_REPORT)  # written directly in DIR
# What `grader export LMS DIR` writes in DIR by default; no student folder may take these names.
LMS_EXPORTS = {"canvas": "canvas.csv", "moodle": "moodle.csv"}
SIMILARITY_CSV, SIMILARITY_PAGE = "similarity.csv", "similarity.html"  # what `grader similarity` writes in DIR
STUDENT_RESULTS, STUDENT_REPORT = "results.json", "report.html"  # in DIR/<student>/


def reserved_names(out: Path, junit: Path | None = None) -> frozenset[str]:
    """The names in DIR no student folder may take, in lower case (macOS and Windows
    compare file names ignoring case, so `Grades.CSV` is `grades.csv` there)."""
    names = {*BATCH_FILES, *LMS_EXPORTS.values(), SIMILARITY_CSV, SIMILARITY_PAGE}
    if junit is not None and junit.resolve().parent == out.resolve():
        names.add(junit.name)
    return frozenset(n.lower() for n in names)


def check_junit_path(out: Path, junit: Path | None) -> None:
    """Refuse a --junit path that would overwrite the batch's own or a student's files."""
    check_output_path(out, junit, "--junit")


def check_output_path(out: Path, path: Path | None, option: str) -> None:
    """Refuse a file asked for with `option` that would overwrite the batch's own or a student's files."""
    if path is None or not path.resolve().is_relative_to(out.resolve()):
        return
    if path.resolve().parent != out.resolve():
        raise UsageError(f"{option} {path} is inside a student's folder of {out}: put it in {out} or elsewhere")
    if path.name.lower() in BATCH_FILES:
        raise UsageError(f"{option} {path} would overwrite the batch's {path.name.lower()}: choose another name")


def write_batch(out: Path, assignments: tuple[Assignment, ...] | list[Assignment],
                results: list[StudentResult], seconds: float, junit: Path | None = None,
                similar: dict | None = None) -> list[str]:
    """Write every output of the batch; return what could not be written (all else is).

    `similar` (`grade --similarity`) is kept in batch.json, so `grader report` shows it again."""
    out.mkdir(parents=True, exist_ok=True)
    failures = _write_students(out, results, with_json=True)
    batch = {"seconds": round(seconds, 3), "assignments": [{"id": a.id, "title": a.title} for a in assignments]}
    if similar is not None:
        batch["similarity"] = similar
    _write(failures, out / GRADEBOOK, partial(gradebook.to_csv, assignments, results))
    _write(failures, out / BATCH, partial(_batch_json, batch))
    _write(failures, out / CLASS_REPORT, partial(_class_report, results, batch))
    if junit is not None:
        _write(failures, junit, partial(to_junit, results))
    return failures


def render_html(out: Path, results: list[StudentResult], batch: dict) -> list[str]:
    """Re-render every report.html and index.html; return what could not be written."""
    failures = _write_students(out, results, with_json=False)
    _write(failures, out / CLASS_REPORT, partial(_class_report, results, batch))
    return failures


def _write_students(out: Path, results: list[StudentResult], with_json: bool) -> list[str]:
    failures: list[str] = []
    for r in results:
        if with_json:
            _write(failures, out / r.student / STUDENT_RESULTS, partial(gradescope.dumps, r))
        _write(failures, out / r.student / STUDENT_REPORT, partial(html_report.student_report, r))
    return failures


def _batch_json(batch: dict) -> str:
    return json.dumps(batch, indent=2) + "\n"


def _class_report(results: list[StudentResult], batch: dict) -> str:
    titles = {a["id"]: a["title"] for a in batch.get("assignments", [])}
    return html_report.class_report(results, titles, float(batch.get("seconds", 0)), batch.get("similarity"))


def _write(failures: list[str], path: Path, render: Callable[[], str]) -> None:
    """Render and write one file; a failure is recorded against the file, and the batch goes on."""
    try:
        write_atomic(path, render())
    except (OSError, ValueError) as exc:  # UnicodeError is a ValueError
        reason = f"{type(exc).__name__}: {exc}".encode("ascii", "backslashreplace").decode()
        failures.append(f"{path}: {reason}")


def load_batch(out: Path) -> tuple[list[StudentResult], dict]:
    """The results a `grade` run wrote, read back from DIR/<student>/results.json."""
    if not out.is_dir():
        raise UsageError(f"{out} is not a folder written by `grader grade`")
    results = []
    for path in sorted(out.glob(f"*/{STUDENT_RESULTS}")):
        try:
            results.append(gradescope.from_results_json(json.loads(path.read_text())))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}: not a results.json this grader wrote ({exc})") from None
    if not results:
        raise UsageError(f"{out} holds no <student>/results.json: run `grader grade` first")
    batch_file = out / BATCH
    batch = json.loads(batch_file.read_text()) if batch_file.is_file() else {}
    return results, batch
