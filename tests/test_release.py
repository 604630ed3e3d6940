"""Instructor release, CI on push, and checking the checks."""
from __future__ import annotations

import json
import shutil
import zipfile

import nbformat
import pytest
from click.testing import CliRunner
from helpers import ROOT, modes_under

from grader.authoring.mutants import mutant_source
from grader.cli import main
from grader.course.catalogue import load_course
from grader.course.notebook import stub_to_notebook
from grader.course.null_students import NULL_KINDS
from grader.engine.handles import load_store
from grader.engine.release import build_release
from grader.engine.validation import static_rows

IDS = [a.id for a in load_course(ROOT).assignments]  # the catalogue: a new assignment needs no edit here


@pytest.fixture(scope="module")
def released(course, server, tmp_path_factory):
    base = tmp_path_factory.mktemp("release")
    out, hidden = base / "repo", base / "hidden"
    build_release(course, server, out, hidden)
    return out, hidden


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def test_release_holds_stubs_public_checks_and_no_reference(released, grader, course):
    out, _ = released
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for aid in IDS:
        assert f"{aid}.py" in names and f"{aid}.ipynb" in names
        assert f".grader/assignments/{aid}/checks_public.py" in names
    assert {".github/workflows/grade.yml", "README.md", "requirements.txt"} <= names
    assert not any("checks_hidden" in n or "mutants" in n or n.startswith("reference") for n in names)
    references = {(ROOT / "reference" / f"{aid}.py").read_bytes() for aid in IDS}
    hidden_checks = {(ROOT / "assignments" / aid / "checks_hidden.py").read_bytes() for aid in IDS}
    for path in out.rglob("*"):
        if path.is_file():
            assert path.read_bytes() not in references | hidden_checks, path
    wheel = next(out.glob(".grader/wheels/*.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert all(n.startswith(("grader/", "torchgrader-")) for n in z.namelist())
    assert "grader ci" in (out / ".github/workflows/grade.yml").read_text()
    assert ".grader/wheels/" in (out / "requirements.txt").read_text()


def test_release_expected_values_cover_only_public_checks(released, course, server):
    out, hidden = released
    from grader.engine.grading import Grader
    larger = []
    with Grader(course, server, include_hidden=False) as public:
        for aid in IDS:
            stored = load_store((out / ".grader" / "expected" / f"{aid}.json").read_text())
            assert stored == public.expected(course.get(aid))
            bundle = load_store((hidden / "expected" / f"{aid}.json").read_text())
            assert stored.items() <= bundle.items()
            larger.append(len(bundle) > len(stored))
    assert sum(larger) >= 5  # the hidden checks' expected values are in the bundle only


def test_check_works_in_a_release_without_reference(released, tmp_path, monkeypatch):
    repo = tmp_path / "student"
    shutil.copytree(released[0], repo)
    shutil.copy(ROOT / "reference" / "tensor_creation.py", repo)
    monkeypatch.chdir(repo)
    result = run("check", "tensor_creation")
    assert result.exit_code == 0, result.output
    assert "7/7" in result.output and "hidden" not in result.output


def test_a_solved_notebook_is_graded_when_the_py_is_the_untouched_stub(released, tmp_path, monkeypatch):
    repo = tmp_path / "student"
    shutil.copytree(released[0], repo)
    solved = stub_to_notebook((ROOT / "reference" / "autograd_basics.py").read_text())
    (repo / "autograd_basics.ipynb").write_text(nbformat.writes(solved))
    monkeypatch.chdir(repo)
    result = run("check", "autograd_basics")
    assert result.exit_code == 0, result.output
    assert "autograd_basics.py is the unchanged stub, so autograd_basics.ipynb was graded" in result.output


def test_ci_end_to_end(released, tmp_path, monkeypatch):
    repo = tmp_path / "student"
    shutil.copytree(released[0], repo)
    monkeypatch.chdir(repo)
    summary = tmp_path / "summary.md"
    github = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTOR": "octo"}

    shipped = run("ci", env=github)
    assert shipped.exit_code == 1 and "FAIL (every public check passes)" in shipped.output
    assert shipped.output.count("::error file=") > 20
    assert summary.read_text().startswith("## Grade: 0 /")
    data = json.loads((repo / "grader-results" / "results.json").read_text())
    assert data["score"] == 0 and data["extra_data"]["student"] == "octo"
    assert (repo / "grader-results" / "junit.xml").read_text().count("<testcase") == len(data["tests"])

    for aid in IDS:
        shutil.copy(ROOT / "reference" / f"{aid}.py", repo)
    solved = run("ci")
    assert solved.exit_code == 0, solved.output
    data = json.loads((repo / "grader-results" / "results.json").read_text())
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0
    assert not any(t["extra_data"]["hidden"] for t in data["tests"])

    with_hidden = run("ci", "--hidden", released[1], "--out", tmp_path / "full")
    assert with_hidden.exit_code == 0
    full = json.loads((tmp_path / "full" / "results.json").read_text())
    # Full marks for every check that can run here (a GPU check counts only where there is one).
    assert full["score"] == sum(t["max_score"] for t in full["tests"]) >= 69
    assert any(t["extra_data"]["hidden"] for t in full["tests"])


def test_ci_fail_under(released, tmp_path, monkeypatch):
    repo = tmp_path / "student"
    shutil.copytree(released[0], repo)
    for aid in IDS:
        (repo / f"{aid}.py").unlink()
        (repo / f"{aid}.ipynb").unlink()
    (repo / "tensor_creation.py").write_bytes(mutant_source(ROOT / "assignments" / "tensor_creation" / "mutants" /
                                                       "from_data_int64.py"))
    monkeypatch.chdir(repo)
    assert run("ci").exit_code == 1  # a public check fails
    assert run("ci", "--fail-under", "6").exit_code == 0
    assert run("ci", "--fail-under", "6.5").exit_code == 1


def test_release_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("mine")
    result = run("release", tmp_path)
    assert result.exit_code == 2 and "not empty" in result.output


def test_validate_passes_on_the_course():
    result = run("validate", "--assignment", "tensor_creation")
    assert result.exit_code == 0 and "BAD" not in result.output
    mutants = len(list((ROOT / "assignments" / "tensor_creation" / "mutants").glob("*.py")))
    course = load_course(ROOT)
    static = len(static_rows(course, course.get("tensor_creation")))  # points, expected values, stub source
    assert result.output.count("ok ") == static + 2 + mutants + len(NULL_KINDS)


def test_validate_reports_a_surprise(tmp_path):
    course = tmp_path / "course"
    for folder in ("reference", "student_template"):
        (course / folder).mkdir(parents=True)
        shutil.copy(ROOT / folder / "tensor_creation.py", course / folder)
    shutil.copytree(ROOT / "assignments" / "tensor_creation", course / "assignments" / "tensor_creation")
    liar = course / "assignments" / "tensor_creation" / "mutants" / "from_data_int64.py"
    liar.write_text(liar.read_text().replace("# fails: from_data, creation_on_new_inputs", "# fails: describe"))
    result = run("validate", "--course", course)
    assert result.exit_code == 1
    bad = [line for line in result.output.splitlines() if line.startswith("BAD")]
    assert len(bad) == 1 and "mutant from_data_int64" in bad[0] and "expected fails describe" in bad[0]


def test_release_files_are_as_readable_as_the_umask_allows(course, server, tmp_path):
    # Issue 15.5: a release is for students to clone and a bundle for TAs: nothing in
    # either may be more private than any file the instructor creates (0640 under 027).
    import dataclasses
    import os

    one = dataclasses.replace(course, assignments=(course.get("tensor_creation"),))
    old = os.umask(0o027)
    try:
        build_release(one, server, tmp_path / "repo", tmp_path / "hidden")
    finally:
        os.umask(old)
    for root in (tmp_path / "repo", tmp_path / "hidden"):
        modes = modes_under(0o027, root)
        assert any(name.endswith(".whl") for name in modes) or root.name == "hidden"
        assert {name: oct(got) for name, (got, allowed) in modes.items() if got != allowed} == {}
