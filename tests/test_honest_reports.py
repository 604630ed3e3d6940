"""Reports that say what happened: a missing assignment is one line, pass rates count only
those who handed the work in, and each student's time is their own."""
from __future__ import annotations

import json

import pytest
from helpers import ROOT

from grader.course.submission import read_submission
from grader.engine.grading import grade_batch
from grader.reports import gradebook, gradescope, html_report, terminal

REFERENCE = (ROOT / "reference" / "tensor_creation.py").read_text()
SLOW = REFERENCE.replace("def from_data(values):\n", "def from_data(values):\n    import time; time.sleep(0.4)\n")


@pytest.fixture(scope="module")
def batch(grader, tmp_path_factory):
    """ann hands in the reference, bob a slow but correct file, cy nothing."""
    root = tmp_path_factory.mktemp("class")
    for name, source in (("ann", REFERENCE), ("bob", SLOW), ("cy", None)):
        (root / name).mkdir()
        if source is not None:
            (root / name / "tensor_creation.py").write_text(source)
    assert SLOW != REFERENCE
    a = grader.course.get("tensor_creation")
    subs = [read_submission(n, root / n, [a.id]) for n in ("ann", "bob", "cy")]
    return a, {r.student: r for r in grade_batch(grader, [a], subs)}


def test_a_missing_assignment_is_one_line_and_still_scores_zero(batch):
    a, results = batch
    missing = results["cy"].assignments[0]
    assert missing.checks == () and not missing.handed_in
    assert missing.error.startswith("not handed in")
    assert (missing.score, missing.max_score) == (0, 10)
    data = gradescope.to_results_json(results["cy"])
    assert data["tests"] == [] and data["score"] == 0
    assert data["output"].startswith("tensor_creation: 0/10 (not handed in")
    assert "cy,0,0" in gradebook.to_csv([a], list(results.values()))
    page = html_report.student_report(results["cy"])
    assert page.count("not handed in") == 1 and "Could not be graded" not in page
    lines = terminal.check_lines(missing, color=False)
    assert len(lines) == 2 and lines[1].strip().startswith("not handed in")


def test_nothing_handed_in_runs_no_check_and_still_knows_the_full_points(grader, monkeypatch):
    """Missing files never reach pytest (they cost a batch nothing), but their maximum is the
    checks' own, also when nobody in the task handed the assignment in."""
    from grader.engine import grading
    from grader.engine.grading import Target

    a, public = grader.course.get("tensor_creation"), grader.course.get("autograd_basics")
    for assignment in (a, public):  # the reference and mutants run first, once per batch
        grader.known(assignment)
    made = []
    real = grading.make_handle
    monkeypatch.setattr(grading, "make_handle", lambda *a, **k: made.append(a[2].student) or real(*a, **k))
    alone = grader.grade(a, [Target("x", None), Target("y", None)])
    assert [(r.score, r.max_score, r.handed_in) for r in alone] == [(0, 10, False)] * 2
    assert made == ["x"]  # one runs, to learn the maximum; the other is not run at all
    made.clear()
    mixed = grader.grade(public, [Target("x", None), Target("ref", grading.SubmissionFile(
        "autograd_basics.py", (ROOT / "reference" / "autograd_basics.py").read_bytes()))])
    assert made == ["ref"]
    assert mixed[0].max_score == mixed[1].max_score == mixed[1].score == public.points


def test_pass_rates_count_only_those_who_handed_the_assignment_in(batch):
    _, results = batch
    rates = html_report.pass_rates(list(results.values()))
    assert rates and all(bar.text == "100%" for bar in rates), [(b.label, b.text) for b in rates]


def test_execution_time_is_each_students_own(batch):
    _, results = batch
    ann, bob = results["ann"], results["bob"]
    assert bob.seconds > ann.seconds + 0.35  # bob's from_data sleeps 0.4 s per call; ann's does not
    assert ann.seconds == sum(a.seconds for a in ann.assignments) > 0
    for r in (ann, bob):
        data = json.loads(gradescope.dumps(r))
        assert data["execution_time"] == round(r.seconds, 3)
        assert gradescope.from_results_json(data).assignments[0].seconds == r.assignments[0].seconds


def test_check_says_not_handed_in_and_does_not_pass(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    (tmp_path / "tensor_creation.py").write_text(REFERENCE)
    result = CliRunner().invoke(main, ["check", "tensor_creation", "autograd_basics", "--dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "not handed in (no autograd_basics.py or autograd_basics.ipynb)" in result.output
    assert "All public checks pass" not in result.output
