"""The grader's one error hierarchy: the CLI turns these into a one-line message."""
from __future__ import annotations

import click


class GraderError(click.ClickException):
    """A problem the user can fix; exit status 2 (usage) unless said otherwise."""

    exit_code = 2


class UsageError(GraderError):
    """Bad arguments or input: an unknown assignment, a missing folder."""
