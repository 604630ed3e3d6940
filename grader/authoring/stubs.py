"""One source for reference and stub: the student's stub is made from the reference.

The reference marks what students write (nbgrader's idea, issue 17), so docstrings and
signatures are written once and the two cannot drift apart:

    def make_zeros(rows, cols):
        \"\"\"Return a float32 tensor of zeros with shape (rows, cols).\"\"\"
        ### BEGIN SOLUTION
        return torch.zeros(rows, cols)
        ### END SOLUTION

In the stub a solution block becomes `raise NotImplementedError("make_zeros")` (the
enclosing function's qualified name). A stub that ships deliberate bugs (gotchas) puts a
`### BEGIN STUB` ... `### END STUB` block right after the solution: its lines are
commented out in the reference (`# return model(x)`) and go, uncommented, into the stub
in the solution's place; an empty one just drops the solution's lines.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_STUB, END_STUB = "### BEGIN STUB", "### END STUB"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_STUB, END_STUB)


@dataclass(frozen=True)
class Block:
    """Lines [start, end) of a file between a BEGIN and its END marker (0-based, markers included)."""

    kind: str  # "SOLUTION" or "STUB"
    start: int
    end: int
    indent: str


def has_markers(source: str) -> bool:
    """True when a reference marks its solution, so its stub is made from it."""
    return any(line.strip() == BEGIN_SOLUTION for line in source.splitlines())


def _blocks(lines: list[str], name: str) -> list[Block]:
    """The marked blocks in order; a marker out of place is a one-line error naming its line."""
    blocks: list[Block] = []
    open_at: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text not in MARKERS:
            continue
        kind = text.split()[-1]
        if text.startswith("### BEGIN"):
            if open_at:
                raise UsageError(f"{name}:{i + 1}: {text} inside the {open_at[0]} block "
                                 f"opened on line {open_at[1] + 1}")
            open_at = (kind, i)
        elif not open_at or open_at[0] != kind:
            raise UsageError(f"{name}:{i + 1}: {text} without its ### BEGIN {kind}")
        else:
            begin = lines[open_at[1]]
            blocks.append(Block(kind, open_at[1], i + 1, begin[:len(begin) - len(begin.lstrip())]))
            open_at = None
    if open_at:
        raise UsageError(f"{name}:{open_at[1] + 1}: ### BEGIN {open_at[0]} is never closed")
    for before, block in zip([None, *blocks], blocks):
        if block.kind == "STUB" and not (before and before.kind == "SOLUTION" and before.end == block.start):
            raise UsageError(f"{name}:{block.start + 1}: a STUB block must follow right after a SOLUTION block")
    return blocks


def _functions(source: str, name: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, 1-based."""
    try:
        tree = ast.parse(source, name)
    except SyntaxError as exc:
        raise UsageError(f"{name}:{exc.lineno}: {exc.msg}") from None
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    found.append((child.lineno, child.end_lineno or child.lineno, qualname))
                visit(child, qualname + ".")

    visit(tree, "")
    return found


def _enclosing(functions: list[tuple[int, int, str]], line: int, name: str) -> str:
    """The innermost function around a 1-based line."""
    around = [f for f in functions if f[0] <= line <= f[1]]
    if not around:
        raise UsageError(f"{name}:{line}: a SOLUTION block outside a function (the stub would raise at import)")
    return max(around)[2]


def _uncommented(line: str, indent: str, where: str) -> str:
    """A STUB block's line as the stub has it: `# ` taken off after the indentation."""
    body = line[len(indent):] if line.startswith(indent) else line.lstrip()
    if not body or body == "#":
        return ""
    if not body.startswith("#"):
        raise UsageError(f"{where}: a STUB block's lines must be comments (the reference would run them)")
    return indent + body[2 if body.startswith("# ") else 1:]


def stub_from_reference(source: str, name: str = "reference") -> str:
    """The student's stub: each solution block replaced by its STUB block or by a NotImplementedError."""
    lines = source.splitlines(keepends=True)
    blocks = _blocks([line.rstrip("\r\n") for line in lines], name)
    functions = _functions(source, name)
    out: list[str] = []
    at = 0
    for i, block in enumerate(blocks):
        out += lines[at:block.start]
        at = block.end
        if block.kind == "STUB":
            out += [_uncommented(lines[n].rstrip("\r\n"), block.indent, f"{name}:{n + 1}") + "\n"
                    for n in range(block.start + 1, block.end - 1)]
        elif not (i + 1 < len(blocks) and blocks[i + 1].kind == "STUB"):
            qualname = _enclosing(functions, block.start + 1, name)
            out.append(f'{block.indent}raise NotImplementedError("{qualname}")\n')
    return "".join(out + lines[at:])


def stub_for(reference: Path) -> str | None:
    """The stub made from a reference file, or None when it has no solution markers (its stub is kept by hand)."""
    source = reference.read_text()
    return stub_from_reference(source, str(reference)) if has_markers(source) else None
