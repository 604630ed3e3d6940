"""results.json in Gradescope's autograder schema, and back (for re-rendering reports)."""
from __future__ import annotations

import json
from typing import Any

from grader.results import AssignmentResult, CheckResult, Status, StudentResult

SCHEMA = "grader.results/1"


def _test(a: AssignmentResult, c: CheckResult, number: str) -> dict[str, Any]:
    text = c.feedback("\n")
    test = {
        "name": f"{a.assignment_id}: {c.title}",
        "number": number,
        "score": c.score,
        "max_score": c.max_score,
        "status": "passed" if c.passed else "failed",
        "output": text,
        "visibility": "after_published" if c.hidden else "visible",
        "extra_data": {"assignment": a.assignment_id, "check_id": c.check_id, "title": c.title,
                       "status": c.status.value, "message": c.message, "hint": c.hint, "hidden": c.hidden,
                       "details": c.details, "not_counted": c.not_counted},
    }
    if c.status is Status.SKIPPED:
        del test["status"]  # neither passed nor failed: 0 of 0, and the output says why
    return test


def to_results_json(result: StudentResult) -> dict[str, Any]:
    """One student's results in Gradescope's results.json schema (plus our own fields)."""
    tests = [_test(a, c, f"{ai}.{ci}")
             for ai, a in enumerate(result.assignments, start=1) for ci, c in enumerate(a.checks, start=1)]
    lines = [f"{a.assignment_id}: {a.score:g}/{a.max_score:g}" + (f" ({a.error})" if a.error else "")
             for a in result.assignments]
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "schema": SCHEMA, "student": result.student, "notes": list(result.notes),
            "assignments": [{"id": a.assignment_id, "title": a.title, "max_score": a.max_score,
                             "graded_file": a.graded_file, "error": a.error, "notes": list(a.notes),
                             "output": a.output, "seconds": a.seconds} for a in result.assignments],
        },
    }


def dumps(result: StudentResult) -> str:
    """`to_results_json` as indented JSON text."""
    return json.dumps(to_results_json(result), indent=2, ensure_ascii=False) + "\n"


def from_results_json(data: dict[str, Any]) -> StudentResult:
    """Rebuild a StudentResult from a results.json this grader wrote."""
    extra = data["extra_data"]
    if extra.get("schema") != SCHEMA:
        raise ValueError(f"not a results.json written by this grader (schema {extra.get('schema')!r})")
    checks: dict[str, list[CheckResult]] = {}
    for t in data["tests"]:
        e = t["extra_data"]
        checks.setdefault(e["assignment"], []).append(CheckResult(
            check_id=e["check_id"], title=e["title"], status=Status(e["status"]), score=float(t["score"]),
            max_score=float(t["max_score"]), message=e["message"], hint=e["hint"], hidden=bool(e["hidden"]),
            details=e.get("details"), not_counted=float(e.get("not_counted", 0.0))))
    assignments = tuple(AssignmentResult(
        assignment_id=a["id"], title=a["title"], max_score=float(a["max_score"]),
        checks=tuple(checks.get(a["id"], ())), graded_file=a["graded_file"], error=a["error"],
        notes=tuple(a["notes"]), output=a.get("output", ""), seconds=float(a.get("seconds", 0.0)))
        for a in extra["assignments"])
    return StudentResult(extra["student"], assignments, float(data.get("execution_time", 0.0)), tuple(extra["notes"]))
