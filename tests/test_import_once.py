"""A file that does not load, or a function still the stub's, is reported once (issue 18).

The first check that meets the cause says it, with the line; the others that fail only
because of it are NOT_RUN and point to that check; every check still scores 0 of its
points, so the assignment's maximum stays the same.
"""
from __future__ import annotations

import re

import pytest
from helpers import ROOT, grade_source
from junitparser import JUnitXml, Skipped

from grader.reports import github, gradescope, html_report, terminal
from grader.reports.junit import to_junit
from grader.results import Status, StudentResult

AID = "tensor_creation"
REFERENCE = (ROOT / "reference" / f"{AID}.py").read_text()


@pytest.fixture(scope="module")
def full_max(grader) -> float:
    return grade_source(grader, AID, REFERENCE).max_score


def _split(result) -> tuple[list, list]:
    """The checks that say the cause, and those not run because of it; nothing else may fail."""
    said = [c for c in result.checks if c.status is not Status.NOT_RUN]
    assert all(not c.passed for c in said)
    return said, [c for c in result.checks if c.status is Status.NOT_RUN]


def _once(result, full_max: float, words: str) -> None:
    said, not_run = _split(result)
    assert len(said) == 1 and words in said[0].message, [c.message for c in said]
    assert len(not_run) == len(result.checks) - 1 >= 1
    assert all(f"see “{said[0].title}”" in c.message and c.score == 0 for c in not_run)
    assert result.score == 0 and result.max_score == full_max
    assert sum(c.max_score for c in not_run) + said[0].max_score == full_max


def test_a_syntax_error_is_reported_once_with_its_line(grader, full_max):
    result = grade_source(grader, AID, "import torch\n\ndef from_data(values)\n    return 1\n")
    _once(result, full_max, "line 3")
    lines = terminal.check_lines(result, color=False)
    assert sum("line 3" in line for line in lines) == 1
    assert sum(line.lstrip().startswith("NOT RUN") for line in lines) == len(result.checks) - 1
    assert all("did not load" in c.message for c in result.checks if c.status is Status.NOT_RUN)


def test_a_name_error_at_import_is_reported_once(grader, full_max):
    result = grade_source(grader, AID, "import torch\nx = undefined_name\n")
    _once(result, full_max, "NameError")
    assert "line 2" in _split(result)[0][0].message


def test_a_hang_at_import_costs_one_line(fast_grader, full_max):
    result = grade_source(fast_grader, AID, "while True:\n    pass\n")
    _once(result, full_max, "timed out")


def test_an_unreadable_notebook_is_reported_once(grader, full_max):
    result = grade_source(grader, AID, b"{not json", name=f"{AID}.ipynb")
    said, not_run = _split(result)
    assert len(said) == 1 and not_run and result.max_score == full_max


def test_the_stub_says_each_unwritten_function_once(grader, full_max):
    result = grade_source(grader, AID, (ROOT / "student_template" / f"{AID}.py").read_text())
    said, not_run = _split(result)
    named = [re.match(r"(\w+)\(\) still raises NotImplementedError from the stub", c.message) for c in said]
    assert all(named), [c.message for c in said]
    functions = [m.group(1) for m in named]
    assert len(functions) == len(set(functions))  # one line per function
    assert not_run  # the stub's functions are called by more than one check
    for c in not_run:
        assert re.match(r"not run: (\w+)\(\) is not written yet", c.message).group(1) in functions
    assert result.score == 0 and result.max_score == full_max


def test_one_failing_check_with_the_rest_not_run(grader):
    """Where NOT_RUN shows (JUnit, results.json, GitHub, HTML), the same one failure."""
    result = grade_source(grader, AID, "import torch\nx = undefined_name\n")
    student = StudentResult("t", (result,))
    n = len(result.checks)
    suite = next(iter(JUnitXml.fromstring(to_junit([student]))))
    assert suite.tests == n and suite.errors + suite.failures == 1 and suite.skipped == n - 1
    assert sum(isinstance(r, Skipped) for case in suite for r in case.result) == n - 1
    data = gradescope.to_results_json(student)
    assert [t["extra_data"]["status"] for t in data["tests"]].count("not_run") == n - 1
    assert gradescope.from_results_json(data).assignments[0].checks == result.checks
    assert len(github.error_annotations(student)) == 1
    assert github.summary_markdown(student).count("➖") == n - 1
    assert html_report.student_report(student).count("not run</td>") == n - 1
