"""Reports and formats: Gradescope's results.json, JUnit XML, GitHub Actions, HTML, CSV."""
from __future__ import annotations

import json
import shutil

import jsonschema
import pytest
from click.testing import CliRunner
from helpers import ROOT, grade_source
from junitparser import Error, Failure, JUnitXml, Skipped

from grader.authoring.mutants import mutant_source
from grader.cli import main
from grader.reports import github, gradebook, gradescope, html_report, terminal
from grader.reports.junit import to_junit
from grader.results import StudentResult

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Gradescope's autograder results.json specification, as a JSON schema.
GRADESCOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": FORMAT, "test_output_format": FORMAT, "test_name_format": FORMAT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY, "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                           "name_format": FORMAT, "number": {"type": "string"}, "output": {"type": "string"},
                           "output_format": FORMAT, "tags": {"type": "array", "items": {"type": "string"}},
                           "visibility": VISIBILITY, "extra_data": {"type": "object"}},
            "additionalProperties": False}},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
}


@pytest.fixture(scope="module")
def sample(grader):
    """One student with a passing, a failing (public and hidden) and an erroring assignment."""
    good = grade_source(grader, "tensor_creation", (ROOT / "reference" / "tensor_creation.py").read_text())
    bad = grade_source(grader, "autograd_basics", mutant_source(ROOT / "assignments" / "autograd_basics" / "mutants" /
                                                                 "gradient_times_two.py").decode())
    raising = grade_source(grader, "simple_net", "raise ValueError('<script>alert(1)</script> & co')\n")
    return StudentResult("ada", (good, bad, raising), seconds=1.5)


def test_results_json_follows_gradescopes_schema(sample):
    data = gradescope.to_results_json(sample)
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert data["score"] == sample.score == sum(t["score"] for t in data["tests"])
    hidden = [t for t in data["tests"] if t["extra_data"]["hidden"]]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)


def test_results_json_round_trips(sample):
    assert gradescope.from_results_json(json.loads(gradescope.dumps(sample))) == sample


def test_hidden_checks_never_show_expected_values(sample):
    bad = sample.assignments[1]
    public = next(c for c in bad.checks if c.check_id == "gradient_values")
    hidden = next(c for c in bad.checks if c.check_id == "gradient_of_other_functions")
    assert "preview" in public.details["expected"] and "preview" in public.details["got"]
    assert "preview" not in hidden.details["expected"] and "preview" in hidden.details["got"]
    page = html_report.student_report(sample)
    assert "(not shown for hidden checks)" in page


def test_student_report_escapes_what_students_control(sample):
    page = html_report.student_report(sample)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "Largest difference" in page and "Expected" in page


def test_class_report_has_charts_table_and_flags(sample):
    other = StudentResult("bo", tuple(a.__class__(**{**a.__dict__, "checks": ()}) for a in sample.assignments))
    page = html_report.class_report([sample, other], {"tensor_creation": "Tensors"}, 12.5)
    assert page.count("<svg") == 3 and "graded in 12.5 s" in page
    assert 'href="ada/report.html"' in page and "simple_net: not graded" in page


def test_junit_xml_reads_with_a_standard_reader(sample, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(to_junit([sample]))
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == sum(len(a.checks) for a in sample.assignments)
    failures = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    errors = [c for c in cases if any(isinstance(r, Error) for r in c.result)]
    n_failed = sum(1 for a in sample.assignments for c in a.checks if c.status.value == "failed")
    n_error = sum(1 for a in sample.assignments for c in a.checks if c.status.value in ("error", "timeout"))
    assert (len(failures), len(errors)) == (n_failed, n_error) and n_failed and n_error
    n_not_run = sum(1 for a in sample.assignments for c in a.checks if c.status.value == "not_run")
    assert sum(isinstance(r, Skipped) for c in cases for r in c.result) == n_not_run


def test_github_annotations_and_summary(sample):
    lines = github.error_annotations(sample)
    failed = sum(1 for a in sample.assignments for c in a.checks if not c.passed and c.status.value != "not_run")
    assert len(lines) == failed and all(line.startswith("::error file=") for line in lines)
    assert all("\n" not in line for line in lines)
    summary = github.summary_markdown(sample)
    assert summary.startswith(f"## Grade: {sample.score:g} / 30") and "| ❌ |" in summary and "| ✅ |" in summary


def test_csv_guards_against_formulas():
    r = StudentResult("=HYPERLINK(1)", ())
    assert "'=HYPERLINK(1)" in gradebook.to_csv([], [r])


@pytest.mark.parametrize("tty,no_color,expected", [(True, "", True), (False, "", False), (True, "1", False)])
def test_color_only_on_a_terminal_without_no_color(monkeypatch, tty, no_color, expected):
    monkeypatch.setenv("NO_COLOR", no_color)
    assert terminal.use_color(tty) is expected


def test_report_command_rerenders_from_json_alone(tmp_path):
    out = tmp_path / "out"
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "tensor_creation.py", subs / "ann")
    junit = tmp_path / "j.xml"
    result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "--assignment", "tensor_creation",
                                       "--junit", str(junit)])
    assert result.exit_code == 0, result.output
    assert JUnitXml.fromfile(str(junit)).tests == 10
    before = {p: p.read_text() for p in out.rglob("*.html")}
    for p in before:
        p.unlink()
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0 and "Rendered 1 student reports" in result.output
    assert {p: p.read_text() for p in out.rglob("*.html")} == before


def test_report_on_a_folder_without_results_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "run `grader grade` first" in result.output
