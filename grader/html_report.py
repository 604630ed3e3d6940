"""Render the HTML reports from results (pure functions: results in, text out)."""
from __future__ import annotations

import statistics
from collections import defaultdict

import jinja2

from grader.results import Status, StudentResult

_env = jinja2.Environment(loader=jinja2.PackageLoader("grader", "templates"),
                          autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True)

VERDICT = {Status.PASSED: "passed", Status.FAILED: "failed", Status.ERROR: "error",
           Status.TIMEOUT: "timed out", Status.SKIPPED: "skipped"}


def student_report(result: StudentResult) -> str:
    return _env.get_template("student.html.j2").render(r=result, verdict=VERDICT)


def class_report(results: list[StudentResult], assignment_titles: dict[str, str], seconds: float) -> str:
    per_assignment: dict[str, list[float]] = defaultdict(list)
    checks: dict[tuple[str, str], list[bool]] = defaultdict(list)
    titles: dict[tuple[str, str], str] = {}
    for r in results:
        for a in r.assignments:
            per_assignment[a.assignment_id].append(a.score)
            for c in a.checks:
                checks[(a.assignment_id, c.check_id)].append(c.passed)
                titles[(a.assignment_id, c.check_id)] = c.title
    stats = [{"id": aid, "title": assignment_titles.get(aid, aid), "mean": statistics.fmean(s),
              "median": statistics.median(s)} for aid, s in per_assignment.items()]
    rates = sorted(({"assignment": k[0], "title": titles[k], "rate": sum(v) / len(v)} for k, v in checks.items()),
                   key=lambda x: x["rate"])
    return _env.get_template("class.html.j2").render(results=sorted(results, key=lambda r: r.student),
                                                      stats=stats, rates=rates, seconds=seconds)
