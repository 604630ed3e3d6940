"""Notebooks: read a submission's code cells, and build the stub notebooks from the stubs.

Grading policy for a notebook (README, "Notebooks"): its code cells run in order in one
namespace, as "Run all" would, inside the sandbox. Each cell has its own time budget
(`cell_timeout`): demo code that trains for minutes is stopped and the next cell runs,
so definitions below it are kept. A cell that raises is reported ("cell 4, line 2:
NameError: ...") and the cells after it still run. IPython magics and shell escapes
(`%matplotlib inline`, `!pip install x`, `%%time`) are never run; each is noted.
All the cells together get the assignment's `notebook_timeout`, enforced from outside.
"""
from __future__ import annotations

import ast
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only `grader notebooks` builds notebooks: 0.2 s no check should pay
    import nbformat

from grader.wire.boundary import NAME, NOTES, clip, unix_newlines, without_surrogates

_LINE_MAGIC = re.compile(r"^([^\S\n]*)([%!].*)$", re.MULTILINE)
MAX_CODE_CELLS = 2000  # non-empty code cells run per notebook; the rest are noted, not run
MAX_CODE_CHARS = 2**20  # characters of code, all cells together (a course notebook has ~20 KB)


class NotebookError(Exception):
    """The notebook cannot be graded; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Cell:
    """One code cell of a notebook: its number as Jupyter shows it, and its code."""
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
    if not isinstance(raw.get("cells"), list):
        raise NotebookError(f"{name} is not a notebook (no list of cells)")
    for index, cell in enumerate(raw["cells"], start=1):
        source = cell.get("source") if isinstance(cell, dict) else None
        # On disk a cell's source is a string or a list of strings (lines); anything else is broken.
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
            raise NotebookError(f"{name}: cell {index} has a source that is neither text nor a list of lines")
    # The cells are read from the JSON as checked above, not through nbformat: its parse and
    # schema validation of a 7 MB notebook of 70,000 empty cells took 8.5 s of the grader's CPU.
    return _code_cells(raw["cells"], name)


def _code_cells(raw_cells: list[dict], name: str) -> tuple[list[Cell], list[str]]:
    """The notebook's non-empty code cells, in order, up to the caps; notes on what was left out."""
    sources = [(number, _text(cell["source"])) for number, cell in enumerate(raw_cells, start=1)
               if cell.get("cell_type") == "code"]
    if not sources:
        raise NotebookError(f"{name} has no code cells")
    sources = [(number, text) for number, text in sources if text.strip()]  # empty ones run nothing (THREATS 60)
    cells: list[Cell] = []
    magics: list[str] = []
    magic_count = size = 0
    for index, (number, text) in enumerate(sources):
        fits = len(cells) < MAX_CODE_CELLS and size + len(text) <= MAX_CODE_CHARS  # before any work on it
        source, skipped, count = neutralise_magics(without_surrogates(text)) if fits else ("", [], 0)
        if not fits or size + len(source) > MAX_CODE_CHARS:
            return cells, [*_magic_notes(magics, magic_count), _left_out_note(len(sources) - index, number)]
        size += len(source)
        magic_count += count
        magics += [f"cell {number}: `{clip(m, NAME)}`" for m in skipped][:NOTES - len(magics)]
        cells.append(Cell(number, source))
    return cells, _magic_notes(magics, magic_count)


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def _magic_notes(magics: list[str], count: int) -> list[str]:
    notes = [f"{m} was not run (magics and shell commands are not run in grading)" for m in magics]
    if count > len(magics):
        notes.append(f"... and {count - len(magics)} more magic or shell lines were not run")
    return notes


def _left_out_note(count: int, first: int) -> str:
    return (f"the code cells from cell {first} on ({count}) were not run: grading runs at most "
            f"{MAX_CODE_CELLS} code cells and {MAX_CODE_CHARS // 2**20} MiB of code per notebook")


def neutralise_magics(source: str) -> tuple[str, list[str], int]:
    """Replace magic and shell lines with `pass`; a cell magic (%%) disables its whole cell.

    Returns the code, the first NOTES lines replaced, and how many were replaced in all
    (a cell of 2.7 million magic lines must not become 2.7 million notes: THREATS 63).
    """
    source = unix_newlines(source)
    first = source.split("\n", 1)[0]
    if first.lstrip().startswith("%%"):
        return "pass\n", [first.strip()], 1
    kept = [m.group(2).strip() for m in itertools.islice(_LINE_MAGIC.finditer(source), NOTES)]
    parts, count = [], 0
    for block in _blocks(source):  # re.sub holds a piece per match: keep each sub small
        code, n = _LINE_MAGIC.subn(_as_pass, block)  # a function: 3.11 expands r"\1pass" slower
        parts.append(code)
        count += n
    code = "".join(parts)
    return (code if code.endswith("\n") else code + "\n"), kept, count


def _as_pass(magic: re.Match[str]) -> str:
    return magic.group(1) + "pass"


def _blocks(text: str, size: int = 1 << 16) -> Iterator[str]:
    """`text` in pieces of about `size` characters, each ending at a line's end."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def cells_payload(cells: list[Cell]) -> bytes:
    """What the worker reads: the cells as JSON, next to the scratch copy of the notebook."""
    return json.dumps([{"number": c.number, "source": c.source} for c in cells]).encode()


def stub_to_notebook(source: str) -> nbformat.NotebookNode:
    """A student notebook from a .py stub: markdown from the docstrings, a code cell per definition.

    The .py stub stays the one source of truth; tests fail when the committed notebook
    differs from what this builds.
    """
    import nbformat

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
        cells.append(nbformat.v4.new_code_cell("\n".join(ast.get_source_segment(source, n) or "" for n in imports)))
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
    """A notebook as the text written to disk (stable, so a rebuilt one compares equal)."""
    import nbformat

    return nbformat.writes(nb) + "\n"
