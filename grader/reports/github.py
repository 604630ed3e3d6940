"""GitHub Actions: a Markdown job summary, an error annotation per failed check, and
student text printed so that the runner reads none of it as a workflow command."""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from grader.results import StudentResult


# The runner's own escaping (actions/toolkit escapeData, escapeProperty): after it, a
# value can neither end its line nor its field. The older `##[name]` form is a command
# anywhere in a line (tried when `::` parsing fails), so it is broken up as well.
def _no_legacy_command(text: str) -> str:
    return text.replace("##[", "# #[")


def _escape_data(text: str) -> str:
    return _no_legacy_command(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_annotations(result: StudentResult) -> list[str]:
    """Workflow commands: `::error file=...,title=...::message` for each failed check."""
    lines = []
    for a in result.assignments:
        for c in a.checks:
            if c.passed or c.status.value in ("skipped", "not_run"):  # one annotation per cause
                continue
            file = f"file={_escape_property(a.graded_file)}," if a.graded_file else ""
            message = c.feedback()
            lines.append(f"::error {file}title={_escape_property(f'{a.assignment_id}: {c.title}')}::"
                         f"{_escape_data(message)}")
    return lines


def defuse(line: str) -> str:
    """One line of student text that the runner cannot take for a command.

    The runner strips leading white space and reads `::name::` as a command, and
    `##[name]` anywhere in a line: both get a visible break.
    """
    stripped = line.lstrip()
    if stripped.startswith("::"):
        line = line[:len(line) - len(stripped)] + "> " + stripped
    return _no_legacy_command(line)


@contextmanager
def commands_stopped(echo: Callable[[str], None]) -> Iterator[Callable[[str], None]]:
    """Yield a printer for student text: between `::stop-commands::TOKEN` and `::TOKEN::`
    (a fresh token nobody can guess, so no student line can resume commands), every
    line also defused."""
    def show(text: str) -> None:
        for line in text.splitlines() or [""]:  # the runner ends a line at \r too
            echo(defuse(line))

    token = secrets.token_hex(16)
    echo(f"::stop-commands::{token}")
    try:
        yield show
    finally:
        echo(f"::{token}::")


def _literal(text: str) -> str:
    """Text that Markdown and HTML show as it is: every character but letters, digits and
    spaces as an HTML entity (no tag, link, image, emphasis, table pipe or line break)."""
    return "".join(ch if ch.isalnum() or ch == " " else f"&#{ord(ch)};" for ch in text)


def _code(text: str) -> str:
    """Student text (messages, hints, errors) in the summary: inert, shown as code."""
    return f"<code>{_literal(text)}</code>" if text else ""


def summary_markdown(result: StudentResult) -> str:
    """The job summary: total, a table per assignment, what to fix."""
    out = [f"## Grade: {result.score:g} / {result.max_score:g}", ""]
    for a in result.assignments:
        out += [f"### {_literal(a.title)} ({_literal(a.assignment_id)}): {a.score:g} / {a.max_score:g}", ""]
        if a.error:
            out += [f"> Could not be graded: {_code(a.error)}", ""]
        out += ["| | Check | Points | What to fix |", "|---|---|---|---|"]
        for c in a.checks:
            mark = {"passed": "✅", "skipped": "⏭️", "not_run": "➖"}.get(c.status.value, "❌")
            fix = "" if c.passed else _code(c.message) + (f" Hint: {_code(c.hint)}" if c.hint else "")
            out.append(f"| {mark} | {_literal(c.title)} | {c.score:g}/{c.max_score:g} | {fix} |")
        out.append("")
    return "\n".join(out)
