"""Build a Gradescope autograder: `grader gradescope OUT.zip` (issue 19.1).

What Gradescope expects, from its autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): a zip with `setup.sh`
(a Bash script run once, as root, when Gradescope builds the autograder's image from
its Ubuntu base; apt works there) and an executable `run_autograder` at its root. The
zip is unpacked into /autograder/source; for each submission Gradescope puts the
student's files in /autograder/submission and runs run_autograder from /autograder,
which must write /autograder/results/results.json (score, execution_time, output,
visibility, stdout_visibility, tests[] of name, score, max_score, status, output,
visibility). Only that file reaches the student: run_autograder's stdout is for
instructors. grader/reports/gradescope.py writes that schema.

The zip holds:
    setup.sh, run_autograder   at the root, executable
    course/                    the instructor bundle (grader/engine/release.py's): checks,
                               probes, stubs, expected values of every check, the course
                               secret; no reference (the checks read stored values only)
    wheels/                    a wheel of the grader that built the zip (grader/engine/wheel.py)
"""
from __future__ import annotations

import importlib.metadata
import io
import tempfile
import zipfile
from pathlib import Path

from grader.course.catalogue import Course
from grader.engine.grading import Grader
from grader.engine.release import write_bundle
from grader.engine.starters import Starter
from grader.engine.wheel import vendor_wheel
from grader.errors import UsageError
from grader.files import write_bytes_atomic

COURSE = "course"  # the bundle's folder inside the zip (grader/engine/gradescope_run.py reads it)
VENV = "/opt/grader-venv"  # outside /autograder, which the sandbox hides from student code
ROOT_ENV = "GRADER_AUTOGRADER_ROOT"  # replaces /autograder (tests lay the folders out elsewhere)
VENV_ENV = "GRADER_AUTOGRADER_VENV"  # replaces VENV (tests use their own environment)
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"  # Gradescope's machines have no GPU

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# Made by `grader gradescope`: Python, torch's CPU build and the grader's own wheel.
set -euo pipefail
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "the grader needs Python 3.10 or newer: pick a newer Ubuntu base image in the autograder settings" >&2
  exit 1
fi
python3 -m venv {venv}
{venv}/bin/pip install -q --upgrade pip
{venv}/bin/pip install -q "torch=={torch}" --index-url {index}
{venv}/bin/pip install -q "$HERE"/wheels/*.whl
{venv}/bin/python -m grader.cli --help > /dev/null  # it imports: the image is ready
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder. Made by `grader gradescope`.
# ${root_env} replaces /autograder and ${venv_env} the environment setup.sh made.
ROOT="${{{root_env}:-/autograder}}"
VENV="${{{venv_env}:-{venv}}}"
mkdir -p "$ROOT/results"
# Root's alone: where a container allows no mount namespace or Landlock, student code (another
# uid) could otherwise read the unzipped course (its secret, the hidden checks' answers).
chmod 700 "$ROOT"
rm -f "$ROOT/results/results.json"
# -I: nothing from the working folder or PYTHON* variables shadows the installed grader.
"$VENV/bin/python" -I -m grader.cli gradescope-run \\
  --source "$ROOT/source" --submission "$ROOT/submission" --results "$ROOT/results"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  # The grader did not even start (this is in the stdout instructors see); students see only results.json.
  printf '{{"score": 0, "output": "The autograder could not start (exit status %s), so your work was not graded. Tell your instructor.", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}}\\n' "$status" > "$ROOT/results/results.json"
fi
exit "$status"
"""


def build_autograder(course: Course, server: Starter, out: Path, assignment_ids: tuple[str, ...] = ()) -> list[str]:
    """Write the Gradescope autograder zip for these assignments (all by default); return its members."""
    if out.suffix.lower() != ".zip" or out.is_dir():
        raise UsageError(f"{out}: name a new .zip file (Gradescope takes the autograder as a zip)")
    if not course.reference_dir.is_dir():
        raise UsageError(f"{course.root} has no reference/ folder: build the autograder from the instructor's course")
    assignments = course.select(assignment_ids)
    members = [("setup.sh", setup_script(torch_version()).encode(), 0o755),
               ("run_autograder", run_script().encode(), 0o755)]
    with Grader(course, server) as full:
        write_bundle(full, assignments, lambda rel, data: members.append((f"{COURSE}/{rel}", data, 0o644)))
    with tempfile.TemporaryDirectory() as tmp:
        wheel = vendor_wheel(Path(tmp))
        members.append((f"wheels/{wheel.name}", wheel.read_bytes(), 0o644))
    write_bytes_atomic(out, zip_bytes(members))
    return [name for name, _, _ in members]


def torch_version() -> str:
    """The running torch's release (2.13.0 of 2.13.0+cpu): Gradescope gets the same, CPU build."""
    try:
        return importlib.metadata.version("torch").split("+")[0]
    except importlib.metadata.PackageNotFoundError:
        raise UsageError("torch is not installed here: the autograder installs the version the build runs with") from None


def setup_script(torch: str) -> str:
    """setup.sh: Python, a venv, torch `torch` (CPU build), then the vendored grader wheel."""
    return SETUP_SH.format(venv=VENV, torch=torch, index=TORCH_INDEX)


def run_script() -> str:
    """run_autograder: `grader gradescope-run` over Gradescope's folders, and a results.json whatever happens."""
    return RUN_AUTOGRADER.format(root_env=ROOT_ENV, venv_env=VENV_ENV, venv=VENV)


def zip_bytes(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of (name, data, mode) with Unix modes recorded, so unzip keeps the scripts executable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in members:
            entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            entry.create_system = 3  # Unix: external_attr holds the mode
            entry.external_attr = (0o100000 | mode) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, data)
    return buffer.getvalue()
