"""Null students: submissions that do no honest work, generated from an assignment's stub.

Every function and method the stub defines is rewritten to return None, to return its
first argument, or to raise. A check that gives such a submission a point rewards
nothing (say, it only looks for the absence of a side effect), so each must score 0.
"""
from __future__ import annotations

import ast
from collections.abc import Callable

# A null body for a function, given its first argument's name (None when it takes none).
_Body = Callable[[str | None], list[ast.stmt]]


def _returns_none(first: str | None) -> list[ast.stmt]:
    return [ast.Return(ast.Constant(None))]


def _returns_first_arg(first: str | None) -> list[ast.stmt]:
    return [ast.Return(ast.Name(first, ast.Load()) if first else ast.Constant(None))]


def _raises(first: str | None) -> list[ast.stmt]:
    return ast.parse('raise ValueError("a null student does no work")').body


NULL_KINDS: dict[str, _Body] = {"returns-None": _returns_none, "returns-first-arg": _returns_first_arg,
                                "raises": _raises}


def _first_arg(func: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> str | None:
    names = [a.arg for a in func.args.posonlyargs + func.args.args]
    names = names[1:] if method else names
    return names[0] if names else None


def _nullify(func: ast.FunctionDef | ast.AsyncFunctionDef, body: _Body, owner: ast.ClassDef | None) -> None:
    """Replace `func`'s body in place. A constructor returns nothing but still sets up its
    base class (an nn.Module without super().__init__() could not even be inspected)."""
    if owner is not None and func.name == "__init__":
        setup = ast.parse("super().__init__()").body if owner.bases else []
        rest = [s for s in body(None) if not isinstance(s, ast.Return)]
        func.body = setup + rest or [ast.Pass()]
    else:
        func.body = body(_first_arg(func, owner is not None))
    func.decorator_list = []


def null_source(stub: str, kind: str) -> str:
    """The stub with every function and method body replaced by the `kind` of null body."""
    body = NULL_KINDS[kind]
    tree = ast.parse(stub)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _nullify(node, body, None)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    _nullify(item, body, node)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def null_students(stub: str) -> dict[str, str]:
    """Every null student of a stub: `null <kind>` -> source."""
    return {f"null {kind}": null_source(stub, kind) for kind in NULL_KINDS}
