"""Render the HTML reports from results (pure functions: results in, text out).

Self-contained pages: inline CSS, charts as inline SVG, one small inline script to
sort the class table; nothing is fetched from elsewhere. Jinja2 autoescaping is on,
so nothing a student wrote reaches the page unescaped.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import jinja2

from grader.results import Flag, Status, StudentResult

_env = jinja2.Environment(loader=jinja2.PackageLoader("grader.reports", "templates"),
                          autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True)

VERDICT = {Status.PASSED: "passed", Status.FAILED: "failed", Status.ERROR: "error",
           Status.TIMEOUT: "timed out", Status.SKIPPED: "skipped", Status.NOT_RUN: "not run"}


@dataclass(frozen=True)
class Bar:
    """One bar of the class report's score histogram."""
    label: str
    value: float  # 0..1 of the chart's scale
    text: str     # what the bar says (a count, a percentage)


def render(template: str, **context: Any) -> str:
    """Render one of the package's templates, autoescaped."""
    return _env.get_template(template).render(**context)


def student_report(result: StudentResult) -> str:
    """One student's report page (report.html)."""
    return _env.get_template("student.html.j2").render(r=result, verdict=VERDICT)


def flags(result: StudentResult) -> list[str]:
    """What an instructor should look at: timeouts, crashes, files not graded, blocked behaviour."""
    out = []
    for a in result.assignments:
        for note in a.notes:
            if Flag.of(note) is not None:
                out.append(f"{a.assignment_id}: {note}")
        if a.error and a.graded_file:
            out.append(f"{a.assignment_id}: not graded")
    return out


def histogram(totals: list[float], max_score: float, bins: int = 10) -> list[Bar]:
    """How many students fall in each tenth of the maximum score."""
    counts = [0] * bins
    for t in totals:
        counts[min(bins - 1, int(bins * t / max_score)) if max_score else 0] += 1
    top = max(counts) or 1
    step = max_score / bins
    return [Bar(f"{i * step:g}–{(i + 1) * step:g}", c / top, str(c)) for i, c in enumerate(counts)]


def pass_rates(results: list[StudentResult]) -> list[Bar]:
    """Each check's pass rate among the students who handed its assignment in (and where it ran)."""
    checks: dict[tuple[str, str], list[bool]] = defaultdict(list)
    titles: dict[tuple[str, str], str] = {}
    for r in results:
        for a in r.assignments:
            for c in a.checks if a.handed_in else ():
                if c.status is not Status.SKIPPED:
                    checks[(a.assignment_id, c.check_id)].append(c.passed)
                    titles[(a.assignment_id, c.check_id)] = c.title
    return sorted((Bar(f"{k[0]}: {titles[k]}", sum(v) / len(v), f"{100 * sum(v) / len(v):.0f}%")
                   for k, v in checks.items()), key=lambda b: (b.value, b.label))


def class_report(results: list[StudentResult], assignment_titles: dict[str, str], seconds: float,
                 similar: dict | None = None) -> str:
    """The class page; `similar` ({"threshold", "pairs"}, from `grade --similarity`) adds its section."""
    per_assignment: dict[str, list[float]] = defaultdict(list)
    maxima: dict[str, float] = {}
    for r in results:
        for a in r.assignments:
            per_assignment[a.assignment_id].append(a.score)
            maxima[a.assignment_id] = a.max_score
    stats: list[dict[str, Any]] = [{"id": aid, "title": assignment_titles.get(aid, aid), "mean": statistics.fmean(s),
              "median": statistics.median(s), "max": maxima[aid]} for aid, s in per_assignment.items()]
    rates = pass_rates(results)
    max_total = max((r.max_score for r in results), default=0)
    means = [Bar(s["title"], s["mean"] / s["max"] if s["max"] else 0, f"{s['mean']:.1f}") for s in stats]
    return _env.get_template("class.html.j2").render(
        results=sorted(results, key=lambda r: r.student), stats=stats, rates=rates, means=means,
        histogram=histogram([r.score for r in results], max_total), max_total=max_total,
        seconds=seconds, flags={r.student: flags(r) for r in results},
        flagged=sum(1 for r in results if flags(r)), similar=similar)
