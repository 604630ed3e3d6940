"""Registry-driven: for every assignment, the reference, the stub, every mutant and every
alternative correct solution score exactly what they should."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

from grader.authoring.mutants import mutant_fails, mutant_source
from grader.course.catalogue import load_course
from grader.course.submission import SubmissionFile
from grader.engine.grading import Target
from grader.engine.validation import expected_failures, failed_checks
from grader.results import AssignmentResult, Status

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]


def alternatives(aid: str) -> list[Path]:
    return sorted((FIXTURES / "alternatives" / aid).glob("*.py"))


CASES = [(a.id, m) for a in COURSE.assignments for m in a.mutants]
ALTS = [(aid, p) for aid in IDS for p in alternatives(aid)]


@functools.cache
def _graded(grader_id: int, aid: str) -> dict[str, AssignmentResult]:
    grader = _GRADERS[grader_id]
    a = grader.course.get(aid)
    files = {"reference": COURSE.reference_dir / f"{aid}.py", "stub": COURSE.template_dir / f"{aid}.py"}
    files.update({f"mutant:{m.stem}": m for m in a.mutants})
    files.update({f"alt:{p.stem}": p for p in alternatives(aid)})
    # One batch per assignment: every case in one pytest session, like a class.
    targets = [Target(key, SubmissionFile(f"{aid}.py", mutant_source(path) if key.startswith("mutant:") else
                                          path.read_bytes())) for key, path in files.items()]
    return {t.student: r for t, r in zip(targets, grader.grade(a, targets))}


_GRADERS: dict[int, object] = {}


@pytest.fixture
def graded(grader):
    _GRADERS[id(grader)] = grader
    return lambda aid: _graded(id(grader), aid)


@pytest.mark.parametrize("aid", IDS)
def test_points_add_up(graded, aid):
    result = graded(aid)["reference"]
    # A GPU check skipped on a machine without one counts nowhere, but its points still add up.
    assert result.max_score + result.not_counted == COURSE.get(aid).points


@pytest.mark.parametrize("aid", IDS)
def test_reference_scores_full_marks(graded, aid):
    result = graded(aid)["reference"]
    assert failed_checks(result) == set(), [c.message for c in result.checks if c.check_id in failed_checks(result)]
    assert result.score == result.max_score == COURSE.get(aid).points - result.not_counted


@pytest.mark.parametrize("aid", IDS)
def test_stub_scores_its_documented_score(graded, aid):
    result = graded(aid)["stub"]
    assert result.error is None  # the stub imports cleanly
    assert result.score == COURSE.get(aid).stub_score
    assert all(c.message for c in result.checks if not c.passed)


@pytest.mark.parametrize("aid,mutant", CASES, ids=[f"{a}-{m.stem}" for a, m in CASES])
def test_mutant_fails_exactly_its_named_checks(graded, aid, mutant):
    result = graded(aid)[f"mutant:{mutant.stem}"]
    assert failed_checks(result) == expected_failures(mutant, result)
    for c in result.checks:
        if not c.passed:
            assert c.message, f"{c.check_id} failed without saying why"


@pytest.mark.parametrize("aid", IDS)
def test_every_check_is_caught_by_some_mutant(graded, aid):
    a = COURSE.get(aid)
    caught = set().union(*(mutant_fails(m) for m in a.mutants)) if a.mutants else set()
    # Checks that run here and carry points; a 0-point CUDA check skipped on this machine is exempt.
    checks = {c.check_id for c in graded(aid)["reference"].checks if c.status is not Status.SKIPPED and c.max_score}
    assert checks and checks <= caught, f"checks no mutant fails: {sorted(checks - caught)}"


@pytest.mark.parametrize("aid", IDS)
def test_only_gpu_checks_may_skip(graded, aid):
    result = graded(aid)["reference"]
    for c in result.checks:
        if c.status is Status.SKIPPED:  # counted nowhere, and the report says what was not checked
            assert c.score == c.max_score == 0 and c.not_counted > 0 and c.title.startswith("on CUDA")
            assert c.message.startswith("not checked here: needs a GPU")
            assert any(n.startswith("not checked here: needs a GPU") and c.title in n for n in result.notes)


@pytest.mark.parametrize("aid,path", ALTS, ids=[f"{a}-{p.stem}" for a, p in ALTS])
def test_alternative_correct_solution_scores_full_marks(graded, aid, path):
    result = graded(aid)[f"alt:{path.stem}"]
    assert failed_checks(result) == set(), [c.message for c in result.checks if c.check_id in failed_checks(result)]


@pytest.mark.parametrize("aid", IDS)
def test_at_least_three_alternatives(aid):
    assert len(alternatives(aid)) >= 3


def test_same_submission_graded_twice_scores_the_same(grader):
    a = COURSE.get(IDS[0])
    mutant = a.mutants[0]
    target = Target("x", SubmissionFile(f"{a.id}.py", mutant_source(mutant)))
    first, second = grader.grade(a, [target]), grader.grade(a, [target])
    assert [c.status for c in first[0].checks] == [c.status for c in second[0].checks]
