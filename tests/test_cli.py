"""The command line through click's CliRunner."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner
from helpers import ROOT

from grader.cli import main
from grader.course.catalogue import load_course

SAMPLE = ROOT / "examples" / "sample_class"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(main.commands)])
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output
    if command:  # each command's help ends with how to call it
        assert "Example: grader " + command[0] in " ".join(result.output.split()), result.output


def test_the_distribution_is_torchgrader_and_the_command_grader():
    # `grader` on PyPI is a 2012 homework checker (issue 15): pip must know us by another name.
    from importlib.metadata import version

    import tomllib

    from grader import DISTRIBUTION, __version__

    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"] == DISTRIBUTION == "torchgrader"
    assert version(DISTRIBUTION) == __version__
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_list_shows_assignments_and_points():
    result = run("list")
    assert result.exit_code == 0 and "tensor_creation" in result.output and "10 pts" in result.output


def test_check_passes_on_the_reference(tmp_path):
    shutil.copy(ROOT / "reference" / "tensor_creation.py", tmp_path)
    result = run("check", "--dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "FAIL" not in result.output


def test_check_fails_on_the_stub_with_hints(tmp_path):
    shutil.copy(ROOT / "student_template" / "tensor_creation.py", tmp_path)
    result = run("check", "tensor_creation", "--dir", tmp_path)
    assert result.exit_code == 1
    assert "NotImplementedError" in result.output and "hint:" in result.output
    assert "numpy_round_trips" not in result.output  # hidden checks are not run by check


@pytest.mark.parametrize("args,words", [
    (["check", "nope"], "unknown assignment 'nope'"),
    (["check", "--dir", "/nonexistent/x"], "does not exist"),
    (["grade", "/nonexistent/x", "--out", "o"], "does not exist"),
])
def test_usage_errors_are_one_line_exit_2(args, words):
    result = run(*args)
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_check_in_an_empty_folder_is_a_usage_error(tmp_path):
    result = run("check", "--dir", tmp_path)
    assert result.exit_code == 2 and "no assignment files" in result.output


@pytest.mark.parametrize("broken", ["def oops(:\n", "import pytest\npytest.fail('boom', pytrace=False)\n"])
def test_checks_that_cannot_run_are_one_error_for_the_author_not_a_traceback(tmp_path, broken):
    """A course's checks file that does not import: `grade` says so in one error, exit 2."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "assignments" / "tensor_creation", course / "assignments" / "tensor_creation")
    (course / "reference").mkdir()
    shutil.copy(ROOT / "reference" / "tensor_creation.py", course / "reference")
    checks = course / "assignments" / "tensor_creation" / "checks_public.py"
    checks.write_text(checks.read_text() + broken)
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "tensor_creation.py", tmp_path / "subs" / "s1")
    result = CliRunner().invoke(main, ["grade", "--course", str(course), str(tmp_path / "subs"),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "Error: the checks could not run: assignments/tensor_creation/checks_public.py" in result.output
    assert "Traceback" not in result.output


def test_grade_empty_folder_is_a_usage_error(tmp_path):
    (tmp_path / "subs").mkdir()
    result = run("grade", tmp_path / "subs", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "no submissions" in result.output


def test_grade_sample_class_writes_the_output_contract(tmp_path):
    out = tmp_path / "out"
    result = run("grade", SAMPLE, "--out", out, "-j", "2")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "grades.csv").open()))
    ids = [a.id for a in load_course(ROOT).assignments]
    assert list(rows[0]) == ["student", *ids, "total"]
    scores = {r["student"]: float(r["total"]) for r in rows}
    assert [r["student"] for r in rows] == sorted(scores)
    alice = json.loads((out / "alice" / "results.json").read_text())
    skipped = sum(t["extra_data"]["not_counted"] for t in alice["tests"])  # GPU checks, on a machine without one
    handed_in = sum(a.points for a in load_course(ROOT).assignments if (SAMPLE / "alice" / f"{a.id}.py").is_file())
    assert scores["alice"] == handed_in - skipped == sum(a["max_score"] for a in alice["extra_data"]["assignments"])
    by = {r["student"]: r for r in rows}
    assert float(by["bob"]["tensor_creation"]) == 6 and float(by["bob"]["gotchas"]) == 0
    assert 0 < float(by["bob"]["xor"]) < 10 and float(by["bob"]["simple_net"]) == 10
    assert float(by["carol"]["tensor_creation"]) == 0 and float(by["carol"]["autograd_basics"]) == 10
    assert float(by["dave"]["tensor_creation"]) == 0 and float(by["dave"]["simple_net"]) == 10
    assert scores["frank"] == 0
    for student in scores:
        data = json.loads((out / student / "results.json").read_text())
        assert data["score"] == scores[student]
        assert (out / student / "report.html").is_file()
    dave = json.loads((out / "dave" / "results.json").read_text())
    assert "timed out" in next(t for t in dave["tests"] if t["name"].startswith("tensor_creation"))["output"]
    assert (out / "index.html").read_text().count("report.html") == len(scores)
