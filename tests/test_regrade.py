"""`grader grade` run again on the same --out grades only what changed (issue 19.2)."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner
from helpers import ROOT

from grader.cli import main
from grader.engine import grading
from grader.engine.regrade import CACHE, FINGERPRINTS

AID = "tensor_creation"
STUDENTS = ("ann", "ben", "cat")


def grade(subs, out, course, *extra):
    return CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "-j", "1", "--assignment", AID,
                                     "--course", str(course), *extra], catch_exceptions=False)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A copy of the course, a 3-student class of correct files, and its first grading."""
    base = tmp_path_factory.mktemp("regrade")
    course = base / "course"
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    for s in STUDENTS:
        (base / "subs" / s).mkdir(parents=True)
        shutil.copy(ROOT / "reference" / f"{AID}.py", base / "subs" / s)
    result = grade(base / "subs", base / "out", course)
    assert result.exit_code == 0 and "Re-graded 3 of 3 students (0 unchanged)" in result.output, result.output
    assert "note: grading every student" not in result.output  # a new DIR needs no explaining
    return base


@pytest.fixture
def again(first_run, tmp_path, monkeypatch):
    """A fresh copy of the first run's course, class and outputs; lists whom grade_batch grades,
    and each time the reference's answers are recorded (not read from DIR's cache)."""
    for part in ("course", "subs", "out"):
        shutil.copytree(first_run / part, tmp_path / part)
    graded: list[str] = []
    real = grading.grade_batch

    def spy(grader, assignments, submissions, *args, **kwargs):
        graded.extend(s.student for s in submissions)
        return real(grader, assignments, submissions, *args, **kwargs)

    monkeypatch.setattr(grading, "grade_batch", spy)
    recorded: list[str] = []
    record = grading.Grader._mistakes  # called once per assignment whose answers are recorded

    def record_spy(self, assignment, store):
        recorded.append(assignment.id)
        return record(self, assignment, store)

    monkeypatch.setattr(grading.Grader, "_mistakes", record_spy)
    return tmp_path, graded, recorded


def totals(out):
    return {r["student"]: float(r["total"]) for r in csv.DictReader((out / "grades.csv").open())}


def test_only_the_changed_submission_is_graded_and_every_report_rebuilt(again):
    base, graded, recorded = again
    out = base / "out"
    before = {s: (out / s / "results.json").read_bytes() for s in STUDENTS}
    class_report = (out / "index.html").read_text()
    shutil.copy(ROOT / "student_template" / f"{AID}.py", base / "subs" / "ben" / f"{AID}.py")  # ben: the stub now

    result = grade(base / "subs", out, base / "course")

    assert result.exit_code == 0, result.output
    assert "Re-graded 1 of 3 students (2 unchanged)" in result.output
    assert graded == ["ben"] and recorded == []  # the reference's answers came from DIR's cache
    # The others' results are the first run's, timings included (a re-grade would time them anew).
    assert all((out / s / "results.json").read_bytes() == before[s] for s in ("ann", "cat"))
    assert totals(out) == {"ann": 10, "ben": 0, "cat": 10}
    assert json.loads((out / "ben" / "results.json").read_text())["score"] == 0
    assert (out / "index.html").read_text() != class_report  # the class report has ben's new score


def test_nothing_changed_grades_nobody(again):
    base, graded, _ = again
    result = grade(base / "subs", base / "out", base / "course")
    assert "Re-graded 0 of 3 students (3 unchanged)" in result.output and graded == []
    assert totals(base / "out") == {s: 10 for s in STUDENTS}


def test_a_changed_check_file_regrades_everyone(again):
    base, graded, recorded = again
    checks = base / "course" / "assignments" / AID / "checks_public.py"
    checks.write_text(checks.read_text() + "\n# reworded\n")
    result = grade(base / "subs", base / "out", base / "course")
    assert "Re-graded 3 of 3 students (0 unchanged)" in result.output and sorted(graded) == list(STUDENTS)
    assert "the course, the grader" in result.output and recorded == [AID]


def test_fresh_regrades_everyone(again):
    base, graded, recorded = again
    result = grade(base / "subs", base / "out", base / "course", "--fresh")
    assert "Re-graded 3 of 3 students (0 unchanged)" in result.output and sorted(graded) == list(STUDENTS)
    assert recorded == [AID]


def test_a_corrupt_cache_or_a_rewritten_result_is_graded_again(again):
    base, graded, recorded = again
    out = base / "out"
    (out / "cat" / "results.json").write_text((out / "cat" / "results.json").read_text().replace('"score": 10', '"score": 99', 1))
    stored = out / CACHE / "expected" / f"{AID}.json"
    stored.write_text(stored.read_text().replace("{", "{ ", 1))
    result = grade(base / "subs", out, base / "course")
    assert "Re-graded 1 of 3 students (2 unchanged)" in result.output and graded == ["cat"]
    assert recorded == [AID]  # the stored answers are not as written: recorded again
    assert json.loads((out / "cat" / "results.json").read_text())["score"] == 10

    graded.clear()
    (out / CACHE / FINGERPRINTS).write_text("{not json")
    result = grade(base / "subs", out, base / "course")
    assert "Re-graded 3 of 3 students (0 unchanged)" in result.output and sorted(graded) == list(STUDENTS)
    assert f"{CACHE}/{FINGERPRINTS} is unreadable" in result.output

    graded.clear()
    (out / CACHE / FINGERPRINTS).unlink()
    result = grade(base / "subs", out, base / "course")
    assert "Re-graded 3 of 3 students (0 unchanged)" in result.output and f"{FINGERPRINTS} is missing" in result.output
