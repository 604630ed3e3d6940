"""Red-team findings on `grader gradescope-run`: hostile file names, and a sandbox without namespaces."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT
from test_gradescope_build import lay_out

from grader.course.catalogue import load_course
from grader.engine.gradescope_build import ROOT_ENV, VENV_ENV, build_autograder
from grader.engine.gradescope_run import read_gradescope_submission


def _folder(tmp_path: Path, names: list[bytes]) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in names:
        with open(os.path.join(bytes(folder), name), "wb") as fh:
            fh.write(b"x = 1\n")
    return folder


def test_hostile_file_names_give_notes_that_encode_and_stay_on_one_line(tmp_path):
    # A name that is not UTF-8 used to reach results.json raw: writing it failed, and the
    # student got "the autograder could not start" instead of the note.
    course = load_course(ROOT)
    folder = _folder(tmp_path, [b"\xff.py", b"hw\n::notice::x.py"])
    for c in (course, dataclasses.replace(course, assignments=course.assignments[:1])):
        _, notes = read_gradescope_submission(folder, c)
        assert notes
        for note in notes:
            json.dumps(note, ensure_ascii=False).encode("utf-8")
            assert "\n" not in note


def test_ten_thousand_files_give_a_short_note(tmp_path):
    course = load_course(ROOT)
    folder = _folder(tmp_path, [f"f{i}.py".encode() for i in range(10_000)])
    _, notes = read_gradescope_submission(folder, course)
    assert len(notes) == 1 and len(notes[0]) < 2000 and "and 9990 more" in notes[0]
    (folder / f"{course.assignments[0].id}.py").write_bytes(b"x = 1\n")
    _, notes = read_gradescope_submission(folder, course)
    assert len(notes) == 1 and len(notes[0]) < 2000 and "and 9990 more" in notes[0]


# A Docker container as root without CAP_SYS_ADMIN (Gradescope's may be one): no namespaces,
# no Landlock; the sandbox keeps its unprivileged user, rlimits and seccomp.
CONTAINER_LIKE = [sys.executable, str(Path(__file__).parent / "container_like.py")]
STEAL = """
import os
root = {root!r}
seen = []
for rel in ("source/course/grader-bundle.toml", "source/course/expected/tensor_creation.json",
            "submission_metadata.json", "submission/tensor_creation.py"):
    try:
        seen.append(rel + " READ " + open(os.path.join(root, rel)).read()[:40])
    except OSError as exc:
        seen.append(rel + " " + type(exc).__name__)
try:
    open(os.path.join(root, "results", "results.json"), "w").write('{{"score": 100}}')
    seen.append("results.json WRITTEN")
except OSError as exc:
    seen.append("results.json " + type(exc).__name__)
print('{{"score": 100, "tests": []}}')
raise RuntimeError(" | ".join(seen))
"""


@pytest.fixture(scope="module")
def one_assignment_zip(course, server, tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    build_autograder(course, server, out, ("tensor_creation",))
    return out


@pytest.fixture
def open_folder():
    """A folder others may pass through, as /autograder is (pytest's tmp_path is not)."""
    folder = tempfile.mkdtemp()
    os.chmod(folder, 0o755)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _run_in_container(zip_path: Path, root: Path, source: bytes) -> dict:
    lay_out(zip_path, root, {"tensor_creation.py": source})
    (root / "submission_metadata.json").write_text('{"users": [{"email": "someone@example.edu"}]}')
    env = {**os.environ, ROOT_ENV: str(root), VENV_ENV: sys.prefix}
    subprocess.run([*CONTAINER_LIKE, str(root / "source" / "run_autograder")], cwd=root, env=env,
                   capture_output=True, timeout=300)
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.skipif(os.geteuid() != 0 or os.uname().machine not in ("x86_64", "aarch64"),
                    reason="Gradescope runs as root; the filter knows x86_64 and aarch64")
def test_without_namespaces_or_landlock_the_reference_passes_and_the_course_stays_unread(one_assignment_zip, open_folder):
    # Found: every worker exited 70 (a 0700 scratch folder its uid could not pass), and once
    # past that, student code read the course secret, the hidden checks' expected values
    # and submission_metadata.json, all world-readable as unzipped.
    solved = _run_in_container(one_assignment_zip, open_folder / "ref" / "autograder",
                               (ROOT / "reference" / "tensor_creation.py").read_bytes())
    assert solved["score"] == 10, solved["output"]
    assert "mount namespace" in solved["output"]  # the missing layers are named
    root = open_folder / "steal" / "autograder"
    stolen = _run_in_container(one_assignment_zip, root, STEAL.format(root=str(root)).encode())
    assert stolen["score"] == 0
    said = stolen["tests"][0]["output"]
    assert "raised RuntimeError" in said and "READ" not in said and "WRITTEN" not in said, said
    assert json.loads((root / "results" / "results.json").read_text())["tests"]
