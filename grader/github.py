"""GitHub Actions: a Markdown job summary and an error annotation per failed check."""
from __future__ import annotations

from grader.results import StudentResult


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: StudentResult) -> list[str]:
    """Workflow commands: `::error file=...,title=...::message` for each failed check."""
    lines = []
    for a in result.assignments:
        for c in a.checks:
            if c.passed or c.status.value == "skipped":
                continue
            file = f"file={_escape_property(a.graded_file)}," if a.graded_file else ""
            message = c.message + (f" Hint: {c.hint}" if c.hint else "")
            lines.append(f"::error {file}title={_escape_property(f'{a.assignment_id}: {c.title}')}::"
                         f"{_escape_data(message)}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(result: StudentResult) -> str:
    """The job summary: total, a table per assignment, what to fix."""
    out = [f"## Grade: {result.score:g} / {result.max_score:g}", ""]
    for a in result.assignments:
        out += [f"### {_cell(a.title)} ({a.assignment_id}): {a.score:g} / {a.max_score:g}", ""]
        if a.error:
            out += [f"> Could not be graded: {_cell(a.error)}", ""]
        out += ["| | Check | Points | What to fix |", "|---|---|---|---|"]
        for c in a.checks:
            mark = {"passed": "✅", "skipped": "⏭️"}.get(c.status.value, "❌")
            fix = "" if c.passed else _cell(c.message + (f" Hint: {c.hint}" if c.hint else ""))
            out.append(f"| {mark} | {_cell(c.title)} | {c.score:g}/{c.max_score:g} | {fix} |")
        out.append("")
    return "\n".join(out)
