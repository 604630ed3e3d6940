"""Notebooks: read a submission's code cells, and build the stub notebooks from the stubs.

Grading policy for a notebook (README, "Notebooks"): its code cells run in order in one
namespace, as "Run all" would, inside the sandbox. Each cell has its own time budget
(`cell_timeout`): demo code that trains for minutes is stopped and the next cell runs,
so definitions below it are kept. A cell that raises is reported ("cell 4, line 2:
NameError: ...") and the cells after it still run. IPython magics and shell escapes
(`%matplotlib inline`, `!pip install x`, `%%time`) are never run; each is noted.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

import nbformat

_LINE_MAGIC = re.compile(r"^(\s*)([%!].*)$")


class NotebookError(Exception):
    """The notebook cannot be graded; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based among all cells, as Jupyter's interface counts them
    source: str


def read_code_cells(data: bytes, name: str) -> tuple[list[Cell], list[str]]:
    """The code cells to run, magics neutralised, and notes on what was not run."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not UTF-8 text: save it again from Jupyter") from None
    try:
        raw = json.loads(text)
    except ValueError:
        raise NotebookError(f"{name} is not a readable notebook (invalid JSON; was it cut short?)") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise NotebookError(f"{name} is not a notebook (no list of cells)")
    version = raw.get("nbformat")
    if version != 4:
        raise NotebookError(f"{name} is saved in notebook format {version}, which is not supported: "
                            "open it in a current Jupyter and save it (format 4)")
    for index, cell in enumerate(raw["cells"], start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        # On disk a cell's source is a string or a list of strings (lines); anything else is broken.
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
            raise NotebookError(f"{name}: cell {index} has a source that is neither text nor a list of lines")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for bad input
        raise NotebookError(f"{name} is not a valid notebook ({type(exc).__name__})") from None
    cells, notes = [], []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        source, skipped = neutralise_magics(cell.source)
        notes += [f"cell {number}: `{m}` was not run (magics and shell commands are not run in grading)"
                  for m in skipped]
        cells.append(Cell(number, source))
    if not cells:
        raise NotebookError(f"{name} has no code cells")
    return cells, notes


def neutralise_magics(source: str) -> tuple[str, list[str]]:
    """Replace magic and shell lines with `pass`; a cell magic (%%) disables its whole cell."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "pass\n", [lines[0].strip()]
    out, skipped = [], []
    for line in lines:
        m = _LINE_MAGIC.match(line)
        if m:
            skipped.append(m.group(2).strip())
            out.append(f"{m.group(1)}pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n", skipped


def cells_payload(cells: list[Cell]) -> bytes:
    """What the worker reads: the cells as JSON, next to the scratch copy of the notebook."""
    return json.dumps([{"number": c.number, "source": c.source} for c in cells]).encode()


def stub_to_notebook(source: str) -> nbformat.NotebookNode:
    """A student notebook from a .py stub: markdown from the docstrings, a code cell per definition.

    The .py stub stays the one source of truth; tests fail when the committed notebook
    differs from what this builds.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    cells = []
    doc = ast.get_docstring(tree)
    if doc:
        title, _, rest = doc.partition("\n")
        cells.append(nbformat.v4.new_markdown_cell(f"# {title.strip()}\n\n{rest.strip()}".strip()))
    body = tree.body[1:] if doc else tree.body
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if imports:
        cells.append(nbformat.v4.new_code_cell("\n".join(ast.get_source_segment(source, n) for n in imports)))
    for node in body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        signature = lines[node.lineno - 1].strip().rstrip(":")
        docstring = ast.get_docstring(node) or ""
        cells.append(nbformat.v4.new_markdown_cell(f"## {kind} `{node.name}`\n\n`{signature}`\n\n{docstring}".strip()))
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        cells.append(nbformat.v4.new_code_cell("\n".join(lines[start - 1:node.end_lineno])))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # stable ids: regenerating gives the same file
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"
