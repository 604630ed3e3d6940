"""Mutants: known-wrong solutions, each one mistake, kept beside an assignment's reference.

A mutant (assignments/<id>/mutants/*.py) starts with a header naming the checks it fails
and the hint a student with that mistake should read:

    # fails: mse_shapes, mse_other_shapes
    # hint: mse should average the squared errors: .mean(), not .sum().
    # base: reference

With `# base: reference` the file holds only the changed definitions: they are appended
to the reference solution, where later definitions win. grader/engine/diagnosis.py
turns them into feedback; `grader validate` checks each fails exactly what it names.
"""
from __future__ import annotations

import re
from pathlib import Path

from grader.errors import UsageError

# A mutant's header line saying it holds only what differs from the reference.
BASE_REFERENCE = "# base: reference"


def mutant_header(path: Path) -> list[str]:
    """A mutant's header: the comment lines it starts with."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def mutant_fails(path: Path) -> set[str]:
    """The checks a mutant names in its first line, `# fails: a, b`."""
    header = mutant_header(path)
    m = re.match(r"# fails: (.+)", header[0] if header else "")
    if not m:
        raise UsageError(f"{path}: the first line must be '# fails: check, ...'")
    return {x.strip() for x in m.group(1).split(",")}


def mutant_hint(path: Path) -> str:
    """The hint a mutant's header gives (`# hint: ...`), or "" when it has none."""
    for line in mutant_header(path):
        if line.startswith("# hint:"):
            return line.removeprefix("# hint:").strip()
    return ""


def mutant_source(path: Path) -> bytes:
    """A mutant's full source: with `# base: reference` in its header, the assignment's
    reference followed by the mutant's code (whose definitions replace the reference's);
    without it, the file as it is."""
    code = path.read_bytes()
    if not any(line.strip() == BASE_REFERENCE for line in mutant_header(path)):
        return code
    # assignments/<id>/mutants/x.py -> reference/<id>.py, both under the course root
    parents = path.absolute().parents
    reference = parents[3] / "reference" / f"{parents[1].name}.py"
    if not reference.is_file():
        raise UsageError(f"{path}: '{BASE_REFERENCE}' but there is no {reference}")
    return reference.read_bytes().rstrip(b"\n") + b"\n\n\n" + code
