"""`grader gradescope`: the autograder zip, run the way Gradescope runs it (issue 19.1).

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when it builds its
image, then for each submission puts the student's files in /autograder/submission and
runs run_autograder, which writes /autograder/results/results.json. Here the same layout
lives under tmp_path (GRADER_AUTOGRADER_ROOT), and setup.sh is NOT run: it would download
torch; run_autograder uses this test environment's grader instead (GRADER_AUTOGRADER_VENV).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from grader.course.catalogue import load_bundle
from grader.engine.gradescope_build import COURSE, ROOT_ENV, VENV_ENV, build_autograder, torch_version
from grader.engine.gradescope_run import read_gradescope_submission
from grader.errors import UsageError

IDS = ("tensor_creation", "gotchas")


@pytest.fixture(scope="module")
def autograder_zip(course, server, tmp_path_factory):
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    build_autograder(course, server, out, IDS)
    return out


def lay_out(zip_path: Path, root: Path, submission: dict[str, bytes]) -> Path:
    """/autograder as Gradescope makes it: the zip unpacked (modes kept, as unzip does) and the files."""
    source = root / "source"
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            z.extract(info, source)
            os.chmod(source / info.filename, (info.external_attr >> 16) & 0o777)
    (root / "submission").mkdir(parents=True)
    for name, data in submission.items():
        (root / "submission" / name).write_bytes(data)
    return root


def run_autograder(root: Path, venv: str = sys.prefix) -> tuple[int, dict]:
    """run_autograder as Gradescope runs it (from /autograder), with this environment's grader."""
    env = {**os.environ, ROOT_ENV: str(root), VENV_ENV: venv}
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads((root / "results" / "results.json").read_text())


def files(folder: str, ids=IDS, suffix=".py") -> dict[str, bytes]:
    return {f"{aid}{suffix}": (ROOT / folder / f"{aid}{suffix}").read_bytes() for aid in ids}


def test_zip_has_the_scripts_at_its_root_and_no_reference(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        infos = {i.filename: i for i in z.infolist()}
        data = {n: z.read(n) for n in infos}
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o777 == 0o755, script
        assert data[script].startswith(b"#!/usr/bin/env bash\n")
    assert f"{COURSE}/grader-bundle.toml" in infos
    for aid in IDS:
        assert f"{COURSE}/assignments/{aid}/checks_hidden.py" in infos
        assert f"{COURSE}/expected/{aid}.json" in infos
    assert not any("reference" in n or "mutants" in n for n in infos)
    references = {p.read_bytes() for p in (ROOT / "reference").glob("*.py")}
    assert not references & set(data.values())
    wheels = [n for n in infos if n.startswith("wheels/") and n.endswith(".whl")]
    assert len(wheels) == 1
    setup = data["setup.sh"].decode()
    assert f'"torch=={torch_version()}" --index-url https://download.pytorch.org/whl/cpu' in setup
    assert '"$HERE"/wheels/*.whl' in setup


def test_reference_gets_full_marks_and_the_stub_zero(autograder_zip, tmp_path):
    status, solved = run_autograder(lay_out(autograder_zip, tmp_path / "ref" / "autograder", files("reference")))
    assert status == 0
    assert solved["score"] == sum(t["max_score"] for t in solved["tests"]) == 20
    assert all(t["status"] == "passed" for t in solved["tests"])
    assert any(t["visibility"] == "after_published" for t in solved["tests"])  # the hidden checks ran
    assert solved["stdout_visibility"] == "hidden"

    status, stub = run_autograder(lay_out(autograder_zip, tmp_path / "stub" / "autograder", files("student_template")))
    assert status == 0
    assert stub["score"] == 0 and len(stub["tests"]) == len(solved["tests"])


def test_a_lone_file_of_any_name_is_the_one_assignment(autograder_zip, tmp_path):
    root = lay_out(autograder_zip, tmp_path / "autograder",
                   {"My Solution (1).py": (ROOT / "reference" / "tensor_creation.py").read_bytes()})
    shutil.rmtree(root / "source" / COURSE / "assignments" / "gotchas")  # a one-assignment course
    status, data = run_autograder(root)
    assert status == 0 and data["score"] == 10
    assert data["output"].startswith("My Solution (1).py was graded as tensor_creation.py (the only assignment)\n")


def test_misnamed_files_in_a_course_of_several_say_what_to_name_them(autograder_zip, tmp_path):
    root = lay_out(autograder_zip, tmp_path / "autograder", {"hw.py": b"", "tensor_creation.ipynb.bak": b""})
    course = load_bundle(root / "source" / COURSE)
    sub, notes = read_gradescope_submission(root / "submission", course)
    assert not sub.files
    assert notes == ["Nothing was graded: you submitted hw.py, and each file must be named for its assignment. "
                     "Name them tensor_creation.py, gotchas.py (or .ipynb) and submit again."]
    one = dataclasses.replace(course, assignments=course.assignments[:1])
    (root / "submission" / "extra.py").write_bytes(b"")
    sub, notes = read_gradescope_submission(root / "submission", one)
    assert not sub.files and notes == ["Nothing was graded: you submitted extra.py, hw.py, and the grader cannot "
                                       "tell which one is tensor_creation. Submit only tensor_creation.py (or .ipynb)."]
    (root / "submission" / "tensor_creation.py").write_bytes(b"x = 1\n")
    sub, notes = read_gradescope_submission(root / "submission", course)
    assert set(sub.files) == {"tensor_creation"}
    assert notes == ["Not graded: extra.py, hw.py (not named for an assignment; missing: gotchas.py)."]


def test_a_link_is_refused_not_followed(autograder_zip, tmp_path):
    root = lay_out(autograder_zip, tmp_path / "autograder", {})
    (root / "submission" / "tensor_creation.py").symlink_to(ROOT / "reference" / "tensor_creation.py")
    sub, _ = read_gradescope_submission(root / "submission", load_bundle(root / "source" / COURSE))
    assert not sub.files and "symbolic link" in sub.problems["tensor_creation"]


def test_a_broken_autograder_still_writes_results_with_the_reason(autograder_zip, tmp_path):
    root = lay_out(autograder_zip, tmp_path / "autograder", files("reference"))
    (root / "source" / COURSE / "grader-bundle.toml").unlink()
    status, data = run_autograder(root)
    assert status == 1 and data["score"] == 0 and data["tests"] == []
    assert "The autograder failed before it could grade your work" in data["output"]
    assert "is a hidden-check bundle from an older release" in data["output"]


def test_a_grader_that_cannot_start_still_writes_results(autograder_zip, tmp_path):
    root = lay_out(autograder_zip, tmp_path / "autograder", files("reference"))
    status, data = run_autograder(root, venv=str(tmp_path / "no-such-venv"))
    assert status != 0 and data["score"] == 0
    assert "The autograder could not start" in data["output"]


def test_out_must_be_a_zip(course, server, tmp_path):
    with pytest.raises(UsageError, match="name a new .zip file"):
        build_autograder(course, server, tmp_path / "autograder", IDS)
