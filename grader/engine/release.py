"""Build the repository an instructor hands to students: stubs, public checks, stored
expected values, the grader as a wheel, a CI workflow and a README. No reference code and no
hidden checks go in. Apart from it, an instructor bundle: the whole course without the
reference, which is all that grading that counts reads (`grader ci --hidden`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from grader import __version__
from grader.course.catalogue import BUNDLE_FORMAT, BUNDLE_MARKER, RELEASED, SECRET_FILE, Assignment, Course
from grader.engine.grading import Grader
from grader.engine.handles import save_store
from grader.engine.starters import Starter
from grader.engine.wheel import vendor_wheel
from grader.errors import UsageError
from grader.files import write_atomic

WORKFLOW = """\
name: grade
on: [push, pull_request]
jobs:
  grade:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the grader (torch's CPU build)
        run: pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu
      - name: Grade
        run: grader ci --out grader-results
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: grader-results
          path: grader-results/
"""

README = """\
# {title}

Your assignments for the course. Each one is a file here: write your solution in
`ID.py` (or in the notebook `ID.ipynb`, if you prefer Jupyter: when both exist, the
`.py` is graded).

| assignment | file |
|---|---|
{rows}

## Check your work

```bash
pip install -r requirements.txt
grader check                  # every assignment in this folder
grader check tensor_creation  # just one
```

`grader check` runs the public checks and tells you, check by check, what passes and
what to fix. Every push runs the same checks on GitHub (Actions tab, job "grade").
Your final grade also uses hidden checks with inputs you have not seen: solve the task,
not the examples.
"""


ASSIGNMENT_FILES = ("assignment.toml", "probes.py", "checks_public.py")


def build_release(course: Course, server: Starter, out: Path, hidden_bundle: Path | None = None,
                  title: str = "PyTorch course") -> list[Path]:
    """Write the student repository into `out` (empty or new), and the instructor bundle into
    `hidden_bundle` when given; return the files written."""
    _check_targets(out, hidden_bundle)
    if not course.reference_dir.is_dir():
        raise UsageError(f"{course.root} has no reference/ folder: release from the instructor's course")
    written: list[Path] = []

    def put(rel: str, text: str | bytes, root: Path = out) -> None:
        path = root / rel
        if isinstance(text, bytes):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)
        else:
            write_atomic(path, text)
        written.append(path)

    with Grader(course, server, include_hidden=False) as public:
        for a in course.assignments:
            for suffix in (".py", ".ipynb"):
                stub = course.template_dir / f"{a.id}{suffix}"
                if stub.is_file():
                    put(stub.name, stub.read_bytes())
                    # A copy the grader keeps, to tell an untouched stub from the student's work.
                    put(f"{RELEASED}/student_template/{stub.name}", stub.read_bytes())
            for name in ASSIGNMENT_FILES:
                if (a.folder / name).is_file():
                    put(f"{RELEASED}/assignments/{a.id}/{name}", (a.folder / name).read_bytes())
            put(f"{RELEASED}/expected/{a.id}.json", save_store(public.expected(a)))
    if hidden_bundle is not None:
        with Grader(course, server) as full:
            write_bundle(full, course.assignments, lambda rel, data: put(rel, data, hidden_bundle))
    wheel = vendor_wheel(out / RELEASED / "wheels")
    written.append(wheel)
    # The wheel by its path, relative to the repository root where CI runs pip: never a
    # version on an index (issue 15.2: the grader is not published there).
    put("requirements.txt", f"torch>=2.2\n./{wheel.relative_to(out).as_posix()}\n")
    put(".github/workflows/grade.yml", WORKFLOW)
    put(".gitignore", "grader-results/\n__pycache__/\n.ipynb_checkpoints/\n")
    rows = "\n".join(f"| {a.title} | `{a.id}.py` |" for a in course.assignments)
    put("README.md", README.format(title=title, rows=rows))
    return written


def _check_targets(out: Path, bundle: Path | None) -> None:
    """Both folders new or empty, and apart: a bundle inside the student repository would ship to students."""
    for folder in (out, bundle):
        if folder is not None and folder.exists() and any(folder.iterdir()):
            raise UsageError(f"{folder} is not empty: release into a new folder")
    if bundle is not None:
        a, b = out.resolve(), bundle.resolve()
        if a == b or a.is_relative_to(b) or b.is_relative_to(a):
            raise UsageError("--hidden-bundle must be outside the student repository (and not contain it): "
                             "students would get the hidden checks")


def write_bundle(full: Grader, assignments: Iterable[Assignment], put: Callable[[str, bytes], None]) -> None:
    """The instructor bundle of these assignments: the expected values of every check (from a
    Grader with the hidden checks), every check file, the stubs, the course secret; no reference."""
    course = full.course
    for a in assignments:
        put(f"expected/{a.id}.json", save_store(full.expected(a)).encode())
        for name in (*ASSIGNMENT_FILES, "checks_hidden.py"):
            if (a.folder / name).is_file():
                put(f"assignments/{a.id}/{name}", (a.folder / name).read_bytes())
        for suffix in (".py", ".ipynb"):
            stub = course.template_dir / f"{a.id}{suffix}"
            if stub.is_file():
                put(f"student_template/{stub.name}", stub.read_bytes())
    if course.secret is not None:  # as resolved ($GRADER_COURSE_SECRET or the file): the values were drawn with it
        put(SECRET_FILE, (course.secret + "\n").encode())
    # Last: a bundle whose writing stopped half-way has no marker, and is refused.
    put(BUNDLE_MARKER, f"# An instructor bundle: grade with `grader ci --hidden THIS_FOLDER`. Never give it to students.\n"
                       f"format = {BUNDLE_FORMAT}\ngrader = \"{__version__}\"\n".encode())
