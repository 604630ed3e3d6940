"""`need`: how probes (and the worker) reach a student's function, inside the sandbox.

Assignments' probes import it through `grader.authoring.probes`; it runs only in the
worker, next to the student's code.
"""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from grader.sandbox.argument_guard import guard
from grader.wire import transport


def need(student: ModuleType, name: str) -> Callable[..., Any]:
    """The student's callable `name` (guarded: see argument_guard), or the error that tells them it is missing."""
    if name not in vars(student):
        raise MissingName(name)
    fn = vars(student)[name]
    if not callable(fn):
        raise NotCallable(name, transport.type_name(fn))
    return guard.wrap(name, fn)


class MissingName(Exception):
    """The student's module has no function of this name."""
    pass


class NotCallable(Exception):
    """The student's module has this name, but it is not something one can call."""
    pass
