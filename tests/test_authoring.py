"""Authoring (issue 17): grader new, assignment.toml refused key by key, the static checks of
grader validate, one source for reference and stub, and mutants that hold only a diff."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from grader.authoring.mutants import BASE_REFERENCE, mutant_header
from grader.authoring.static_checks import declared_points, expected_uses_student
from grader.authoring.stubs import has_markers, stub_for, stub_from_reference
from grader.cli import main
from grader.course.catalogue import load_course
from grader.engine.validation import static_rows
from grader.errors import UsageError

COURSE = load_course(ROOT)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def copy_course(target: Path) -> Path:
    """The course's assignments, reference and stubs in a fresh folder."""
    for name in ("assignments", "reference", "student_template"):
        shutil.copytree(ROOT / name, target / name)
    return target


# -- grader new -----------------------------------------------------------------------------
@pytest.mark.slow
def test_new_assignment_validates_and_its_reference_scores_full_marks(tmp_path):
    course = copy_course(tmp_path / "course")
    result = run("new", "matrix_ops", "--course", course)
    assert result.exit_code == 0, result.output
    made = load_course(course).get("matrix_ops")
    assert made.order == max(a.order for a in COURSE.assignments) + 1 and made.points == 10
    assert (course / "student_template" / "matrix_ops.ipynb").is_file() and made.mutants
    result = run("validate", "--assignment", "matrix_ops", "--course", course)
    assert result.exit_code == 0, result.output
    assert "ok  matrix_ops       reference               expected 10/10; got 10/10" in result.output
    assert "9/9 as expected" in result.output  # 3 static rows, reference, stub, 1 mutant, 3 null students


@pytest.mark.parametrize("name,words", [
    ("tensor_creation", "assignments/tensor_creation already exists"),
    ("Matrix-Ops", "cannot be an assignment id"),
    ("class", "cannot be an assignment id"),
    ("math", "would hide the module math"),
])
def test_new_refuses_a_bad_or_taken_id(tmp_path, name, words):
    course = copy_course(tmp_path / "course")
    result = run("new", name, "--course", course)
    assert result.exit_code == 2 and words in result.output and len(result.output.splitlines()) == 1
    assert sorted(p.name for p in (course / "assignments").iterdir()) == sorted(a.id for a in COURSE.assignments)


# -- assignment.toml ------------------------------------------------------------------------
@pytest.mark.parametrize("toml,words", [
    ('title = "T"\norder = 1\npoint = 5\n', "unknown key 'point' (allowed: title, order, points, stub_score, limits)"),
    ('title = "T"\norder = "one"\n', "key 'order' must be an integer"),
    ('title = "T"\norder = true\n', "key 'order' must be an integer"),
    ('order = 1\n', "missing key 'title'"),
    ('title = "T"\norder = 1\npoints = 0\n', "key 'points' must be more than 0"),
    ('title = "T"\norder = 1\nstub_score = 11\n', "key 'stub_score' (11) is more than 'points' (10)"),
    ('title = "T"\norder = 1\n[limits]\ncall_timout = 5\n', "unknown key 'limits.call_timout' (allowed in [limits]: "),
    ('title = "T"\norder = 1\n[limits]\nmemory_mb = 2.5\n', "key 'limits.memory_mb' must be an integer"),
    ('title = "T"\norder = 1\nlimits = 3\n', "key 'limits' must be a table"),
])
def test_a_bad_assignment_toml_is_refused_with_the_file_and_key(tmp_path, toml, words):
    folder = tmp_path / "assignments" / "broken"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(toml)
    result = run("list", "--course", tmp_path)
    assert result.exit_code == 2, result.output
    assert f"{folder / 'assignment.toml'}: {words}" in result.output and len(result.output.splitlines()) == 1


def test_a_good_assignment_toml_keeps_its_values(tmp_path):
    folder = tmp_path / "assignments" / "fine"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('title = "T"\norder = 3\npoints = 12.5\n[limits]\ncall_timeout = 30\n')
    a = load_course(tmp_path).get("fine")
    assert (a.title, a.order, a.points, a.limits.call_timeout) == ("T", 3, 12.5, 30)


# -- the static checks of grader validate ---------------------------------------------------
LEAKY = '''
from grader.authoring.checks import expect_close, points


@points(2)
def test_fine(student, expected):
    for n in (1, 2):
        expect_close(student.f(n), expected.f(n), "f")


@points(3)
def test_leaky(student, expected):
    got = student.f(1)
    first = got[0]
    expect_close(got, expected.g(first * 2), "g")


@points(1)
def test_direct(student, expected):
    expect_close(student.f(1), expected.h(x=student.f(2)), "h")
'''


def test_an_expected_call_that_uses_a_students_answer_is_found(tmp_path):
    path = tmp_path / "checks_public.py"
    path.write_text(LEAKY)
    found = [str(f) for f in expected_uses_student(path)]
    assert found == ["checks_public.py:15: test_leaky: expected.g(...) uses 'first', which comes from a student call: "
                     "expected values must come from the check's own inputs",
                     "checks_public.py:20: test_direct: expected.h(...) uses the result of a student call: "
                     "expected values must come from the check's own inputs"]
    assert declared_points([path]) == (6.0, [])


def test_validate_says_when_points_do_not_add_up_or_an_expected_value_leaks(tmp_path):
    course = copy_course(tmp_path / "course")
    checks = course / "assignments" / "tensor_creation" / "checks_public.py"
    checks.write_text(checks.read_text().replace("@points(1)\ndef test_from_data", "@points(2)\ndef test_from_data")
                      + LEAKY.split("\n\n\n", 1)[1])
    rows = {r.case: r for r in static_rows(load_course(course), load_course(course).get("tensor_creation"))}
    assert not rows["points"].ok and rows["points"].got == "17"
    assert not rows["expected values"].ok and "checks_public.py:" in rows["expected values"].got
    assert rows["stub source"].ok


@pytest.mark.parametrize("aid", [a.id for a in COURSE.assignments])
def test_the_course_passes_the_static_checks(aid):
    assert [r for r in static_rows(COURSE, COURSE.get(aid)) if not r.ok] == []


# -- one source for reference and stub ------------------------------------------------------
MARKED_IDS = [a.id for a in COURSE.assignments if has_markers((COURSE.reference_dir / f"{a.id}.py").read_text())]


@pytest.mark.parametrize("aid", MARKED_IDS)
def test_stub_is_made_from_its_reference(aid):
    stub = COURSE.template_dir / f"{aid}.py"
    assert stub.read_text() == stub_for(COURSE.reference_dir / f"{aid}.py"), "run `grader stubs` to rebuild"


def test_every_reference_is_the_source_of_its_stub():
    assert all(has_markers((COURSE.reference_dir / f"{a.id}.py").read_text()) for a in COURSE.assignments)


MARKED = '''class Net:
    def forward(self, x):
        """Doc."""
        ### BEGIN SOLUTION
        return x
        ### END SOLUTION


def buggy(x):
    ### BEGIN SOLUTION
    return x.mean()
    ### END SOLUTION
    ### BEGIN STUB
    # return x.sum()  # the bug students fix
    #
    ### END STUB
'''


def test_solution_blocks_become_not_implemented_and_stub_blocks_ship():
    assert stub_from_reference(MARKED) == '''class Net:
    def forward(self, x):
        """Doc."""
        raise NotImplementedError("Net.forward")


def buggy(x):
    return x.sum()  # the bug students fix

'''


@pytest.mark.parametrize("source,words", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "x.py:2: ### BEGIN SOLUTION is never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "x.py:3: ### END SOLUTION without its ### BEGIN SOLUTION"),
    ("def f():\n    ### BEGIN STUB\n    # return 2\n    ### END STUB\n", "x.py:2: a STUB block must follow"),
    ("### BEGIN SOLUTION\nX = 1\n### END SOLUTION\n", "x.py:1: a SOLUTION block outside a function"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n    ### BEGIN STUB\n    return 2\n"
     "    ### END STUB\n", "x.py:6: a STUB block's lines must be comments"),
])
def test_misplaced_markers_are_refused_with_the_line(source, words):
    with pytest.raises(UsageError) as info:
        stub_from_reference(source, "x.py")
    assert words in str(info.value)


def test_grader_stubs_check_names_a_drifted_stub_and_rebuilds_it(tmp_path):
    course = copy_course(tmp_path / "course")
    stub = course / "student_template" / "gotchas.py"
    shipped = stub.read_text()
    stub.write_text(shipped.replace("return model(x)", "return model(x).detach()"))
    result = run("stubs", "--check", "--course", course)
    assert result.exit_code == 1 and "1 stubs differ from their references: gotchas.py" in result.output
    assert run("stubs", "--course", course).exit_code == 0 and stub.read_text() == shipped
    assert run("stubs", "--check", "--course", course).exit_code == 0


# -- mutants hold only what differs ---------------------------------------------------------
def test_mutants_hold_only_their_changes():
    mutants = [m for a in COURSE.assignments for m in a.mutants]
    assert all(BASE_REFERENCE in mutant_header(m) for m in mutants)
    lines = sum(len(m.read_text().splitlines()) for m in mutants)
    assert lines / len(mutants) <= 20, f"{lines / len(mutants):.1f} lines per mutant on average"
