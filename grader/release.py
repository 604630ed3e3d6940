"""Build the repository an instructor hands to students: stubs, public checks, stored
expected values, a pinned grader, a CI workflow and a README. No reference code and no
hidden checks go in; those can go to a separate hidden-check bundle for instructor CI.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader import __version__
from grader.catalogue import RELEASED, Course
from grader.errors import UsageError
from grader.files import write_atomic
from grader.forkserver import ForkServer
from grader.grading import Grader
from grader.handles import save_store

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


def build_release(course: Course, server: ForkServer, out: Path, hidden_bundle: Path | None = None,
                  title: str = "PyTorch course") -> list[Path]:
    """Write the student repository into `out` (empty or new); return the files written."""
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: release into a new folder")
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

    with Grader(course, server, include_hidden=False) as public, Grader(course, server) as full:
        for a in course.assignments:
            for suffix in (".py", ".ipynb"):
                stub = course.template_dir / f"{a.id}{suffix}"
                if stub.is_file():
                    put(stub.name, stub.read_bytes())
                    # A copy the grader keeps, to tell an untouched stub from the student's work.
                    put(f"{RELEASED}/student_template/{stub.name}", stub.read_bytes())
            for name in ("assignment.toml", "probes.py", "checks_public.py"):
                if (a.folder / name).is_file():
                    put(f"{RELEASED}/assignments/{a.id}/{name}", (a.folder / name).read_bytes())
            put(f"{RELEASED}/expected/{a.id}.json", save_store(public.expected(a)))
            if hidden_bundle is not None and a.hidden_checks.is_file():
                put(f"assignments/{a.id}/checks_hidden.py", a.hidden_checks.read_bytes(), hidden_bundle)
                put(f"expected/{a.id}.json", save_store(full.expected(a)), hidden_bundle)
    requirement = _vendor_wheel(out / RELEASED / "wheels", written)
    put("requirements.txt", f"torch>=2.2\n{requirement}\n")
    put(".github/workflows/grade.yml", WORKFLOW)
    put(".gitignore", "grader-results/\n__pycache__/\n.ipynb_checkpoints/\n")
    rows = "\n".join(f"| {a.title} | `{a.id}.py` |" for a in course.assignments)
    put("README.md", README.format(title=title, rows=rows))
    return written


def _vendor_wheel(folder: Path, written: list[Path]) -> str:
    """Pin the grader: a wheel of this very version inside the repo, or a version pin."""
    source = Path(__file__).resolve().parent.parent
    if (source / "pyproject.toml").is_file():
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                                   "-q", "-w", tmp, str(source)], capture_output=True)
            wheels = list(Path(tmp).glob("grader-*.whl"))
            if done.returncode == 0 and wheels:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / wheels[0].name
                shutil.copy(wheels[0], target)
                written.append(target)
                return f"./{RELEASED}/wheels/{wheels[0].name}"
    return f"grader=={__version__}"
