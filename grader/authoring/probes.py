"""What an assignment's probes.py imports: `need(student, name)` gives the student's
function (guarded against changing its arguments) or the error that says it is missing.

Probes run inside the sandbox worker, so this re-exports the sandbox's own `need`.
"""
from grader.sandbox.probes import MissingName, NotCallable, need

__all__ = ["MissingName", "NotCallable", "need"]
