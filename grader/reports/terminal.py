"""Text for the terminal: a line per check, a hint per failure, a summary."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from grader.reports import github
from grader.results import AssignmentResult, Status

_MARK = {Status.PASSED: ("PASS", "green"), Status.FAILED: ("FAIL", "red"), Status.ERROR: ("ERROR", "red"),
         Status.TIMEOUT: ("TIMEOUT", "red"), Status.SKIPPED: ("SKIP", "yellow"), Status.NOT_RUN: ("NOT RUN", "yellow")}


def use_color(stream_is_tty: bool) -> bool:
    """Color only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream_is_tty and not os.environ.get("NO_COLOR")


@contextmanager
def student_text_printer() -> Iterator[Callable[[str], None]]:
    """click.echo; under GitHub Actions, a printer whose lines the runner never takes for commands."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        with github.commands_stopped(click.echo) as show:
            yield show
    else:
        yield click.echo


def check_lines(result: AssignmentResult, color: bool) -> list[str]:
    """The lines `grader check` prints for one assignment: a verdict per check, then what to fix."""
    lines = [click.style(f"{result.title} ({result.assignment_id}): {result.score:g}/{result.max_score:g}",
                         bold=True) if color else
             f"{result.title} ({result.assignment_id}): {result.score:g}/{result.max_score:g}"]
    if result.graded_file:
        lines.append(f"  graded {result.graded_file}")
    elif result.error:  # not handed in (or refused): one line, no check rows
        lines.append(f"  {result.error}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    for c in result.checks:
        word, fg = _MARK[c.status]
        mark = click.style(f"{word:<7}", fg=fg, bold=True) if color else f"{word:<7}"
        lines.append(f"  {mark} {c.title} ({c.score:g}/{c.max_score:g})")
        if not c.passed:
            if c.message:
                lines.append(f"          {c.message}")
            if c.hint:
                lines.append(f"          hint: {c.hint}")
    return lines
