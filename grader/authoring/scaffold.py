"""`grader new ID`: a small, working assignment to start from (issue 17).

It writes every file an assignment has, around one example function (`scale(x, s)`):
assignment.toml, the marked reference, the stub and notebook made from it, a probe, a
public and a hidden check, and one mutant with its hint. `grader validate` passes on it
as written; the author then replaces the example (docs/AUTHORING.md walks through it).
"""
from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from string import Template

from grader.authoring.stubs import stub_from_reference
from grader.errors import UsageError
from grader.files import write_atomic

# A module name students can import everywhere: lower-case ASCII, as the course's ids are.
_ID = re.compile(r"[a-z][a-z0-9_]*")
# Names a student's module must not take: it would hide the real one from their own imports.
_TAKEN_MODULES = frozenset(sys.stdlib_module_names) | {"torch", "numpy", "grader", "pytest"}


def check_new_id(root: Path, assignment_id: str) -> None:
    """Refuse an id that is not a module name, or that the course already uses."""
    if not _ID.fullmatch(assignment_id) or keyword.iskeyword(assignment_id):
        raise UsageError(f"{assignment_id!r} cannot be an assignment id: students import it as a module, "
                         "so use lower-case letters, digits and _, starting with a letter (e.g. matrix_ops)")
    if assignment_id in _TAKEN_MODULES:
        raise UsageError(f"{assignment_id!r} cannot be an assignment id: a student's {assignment_id}.py would hide "
                         f"the module {assignment_id} from their own imports (pick e.g. {assignment_id}_basics)")
    taken = [root / "assignments" / assignment_id, root / "reference" / f"{assignment_id}.py",
             *(root / "student_template" / f"{assignment_id}{s}" for s in (".py", ".ipynb"))]
    for path in taken:
        if path.exists():
            raise UsageError(f"{path} already exists: pick another id, or remove it first")


def _template(name: str, **values: object) -> str:
    return Template((files("grader.authoring") / "templates" / name).read_text()).substitute(values)


def new_assignment(root: Path, assignment_id: str, order: int, title: str,
                   notebook: Callable[[str], str]) -> list[Path]:
    """Write the example assignment ID into the course at root; `notebook` turns a stub into .ipynb text."""
    check_new_id(root, assignment_id)
    values = {"id": assignment_id, "order": order, "title": title.replace('"', "'"),
              "title_lower": title[:1].lower() + title[1:]}
    folder = root / "assignments" / assignment_id
    reference = _template("reference.py.tmpl", **values)
    stub = stub_from_reference(reference, f"reference/{assignment_id}.py")
    written = {
        folder / "assignment.toml": _template("assignment.toml.tmpl", **values),
        folder / "probes.py": _template("probes.py.tmpl", **values),
        folder / "checks_public.py": _template("checks_public.py.tmpl", **values),
        folder / "checks_hidden.py": _template("checks_hidden.py.tmpl", **values),
        folder / "mutants" / "adds_instead.py": _template("mutant.py.tmpl", **values),
        root / "reference" / f"{assignment_id}.py": reference,
        root / "student_template" / f"{assignment_id}.py": stub,
        root / "student_template" / f"{assignment_id}.ipynb": notebook(stub),
    }
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return list(written)
