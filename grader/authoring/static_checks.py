"""What `grader validate` can tell from a check file's text alone, before anything runs.

- Points: the `@points(n)` of the public and hidden checks add up to the assignment's total.
- Expected values never depend on an answer: an `expected.<probe>(...)` call whose
  arguments use what a `student.<...>(...)` call returned in the same check would ask the
  reference a different question per student. Expected values are recorded once per batch
  (and shipped as data in a release), so such a call cannot be answered there, and its
  result could tell the student's answer back to them.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError


@dataclass(frozen=True)
class Finding:
    """A problem found in a check file, at a line."""

    path: Path
    line: int
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: {self.check}: {self.message}"


def _checks(path: Path) -> list[ast.FunctionDef]:
    """The check functions (test_*) of a check file, in order."""
    try:
        tree = ast.parse(path.read_text(), str(path))
    except SyntaxError as exc:
        raise UsageError(f"{path}:{exc.lineno}: {exc.msg}") from None
    return [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def _points(check: ast.FunctionDef) -> float | None:
    """The n of a check's `@points(n)` (or `@pytest.mark.points(n)`), None when absent or not a number."""
    for deco in check.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", "")) == "points":
            try:
                value = ast.literal_eval(deco.args[0]) if deco.args else None
            except ValueError:
                return None
            return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return None


def declared_points(paths: list[Path]) -> tuple[float, list[Finding]]:
    """The sum of the checks' @points, and a finding for each check whose points cannot be read."""
    total, findings = 0.0, []
    for path in paths:
        for check in _checks(path):
            n = _points(check)
            if n is None:
                findings.append(Finding(path, check.lineno, check.name, "no @points(n) with a number n"))
            else:
                total += n
    return total, findings


def _calls_on(node: ast.AST, handle: str) -> list[ast.Call]:
    """Calls `handle.<name>(...)` anywhere inside node."""
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == handle]


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bindings(check: ast.FunctionDef) -> list[tuple[set[str], ast.AST]]:
    """(names bound, the value they come from) for each assignment, loop and `with ... as` in a check."""
    out: list[tuple[set[str], ast.AST]] = []
    for node in ast.walk(check):
        if isinstance(node, ast.Assign):
            out.append((set().union(*(_names(t) for t in node.targets)), node.value))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            out.append((_names(node.target), node.value))
        elif isinstance(node, (ast.For, ast.comprehension)):
            out.append((_names(node.target), node.iter))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            out.append((_names(node.optional_vars), node.context_expr))
    return out


def _from_student(check: ast.FunctionDef) -> set[str]:
    """The names in a check that hold (or are computed from) what a student call returned."""
    tainted: set[str] = set()
    bindings = _bindings(check)
    changed = True
    while changed:  # to a fixed point: got = student.f(); first = got[0]; ...
        changed = False
        for names, value in bindings:
            if not names <= tainted and (_calls_on(value, "student") or _names(value) & tainted):
                tainted |= names
                changed = True
    return tainted


def expected_uses_student(path: Path) -> list[Finding]:
    """Each `expected.<probe>(...)` call whose arguments use a student's answer."""
    findings = []
    for check in _checks(path):
        tainted = _from_student(check)
        for call in _calls_on(check, "expected"):
            args = [*call.args, *(k.value for k in call.keywords)]
            used = sorted(set().union(*(_names(a) for a in args)) & tainted) if args else []
            if used or any(_calls_on(a, "student") for a in args):
                what = f"'{used[0]}', which comes from" if used else "the result of"
                probe = call.func.attr if isinstance(call.func, ast.Attribute) else "?"
                findings.append(Finding(path, call.lineno, check.name, f"expected.{probe}(...) uses {what} a "
                                        "student call: expected values must come from the check's own inputs"))
    return findings
