"""Hidden inputs come from the course secret: another secret, other inputs (THREATS 30)."""
from __future__ import annotations

import importlib.util
import inspect
import json
import pickle
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, grade_source

from grader.cli import main
from grader.course.catalogue import DEFAULT_SECRET, SECRET_ENV, SECRET_FILE, load_course, read_secret
from grader.engine.grading import Grader
from grader.engine.plugin import CheckSuiteError, hidden_generator
from grader.engine.release import build_release
from grader.engine.validation import validate_assignment
from grader.errors import UsageError

# Every assignment whose hidden checks draw their inputs (device_moves' hidden checks build
# their models in the probes and compare with literals).
DRAWN = [a.id for a in load_course(ROOT).assignments
         if a.hidden_checks.is_file() and "hidden_generator" in a.hidden_checks.read_text()]


@pytest.fixture(autouse=True)
def no_secret_in_env(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)


def copy_course(target: Path, with_reference: bool = True) -> Path:
    """The course's assignments, stubs (and reference) in a fresh folder."""
    for name in ("assignments", "student_template") + (("reference",) if with_reference else ()):
        shutil.copytree(ROOT / name, target / name)
    return target


# -- where the secret comes from ----------------------------------------------------------
def test_secret_comes_from_env_then_file_then_nowhere(tmp_path, monkeypatch):
    assert read_secret(tmp_path) is None
    (tmp_path / SECRET_FILE).write_text("  spring-term-7f3a\n")
    assert read_secret(tmp_path) == "spring-term-7f3a"  # stripped
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    assert read_secret(tmp_path) == "from-the-environment"


@pytest.mark.parametrize("content", [b"", b" \n\t\n", b"\xff\xfe\x00binary"], ids=["empty", "blank", "binary"])
def test_a_bad_secret_file_is_refused_naming_the_file(tmp_path, content):
    (tmp_path / SECRET_FILE).write_bytes(content)
    with pytest.raises(UsageError, match=SECRET_FILE):
        read_secret(tmp_path)


def test_a_secret_folder_or_an_empty_env_is_refused(tmp_path, monkeypatch):
    (tmp_path / SECRET_FILE).mkdir()
    with pytest.raises(UsageError, match="text file"):
        read_secret(tmp_path)
    monkeypatch.setenv(SECRET_ENV, "  ")
    with pytest.raises(UsageError, match=f"{SECRET_ENV} is set but empty"):
        read_secret(tmp_path)


def test_a_course_loaded_from_a_folder_with_a_secret_carries_it_to_other_processes(tmp_path):
    root = copy_course(tmp_path, with_reference=False)
    (root / SECRET_FILE).write_text("term-secret\n")
    course = load_course(root)
    assert course.secret == "term-secret"
    assert "term-secret" not in repr(course)
    travelled = pickle.loads(pickle.dumps(course))  # as to pool processes and Dask workers
    assert travelled.secret == "term-secret"
    assert travelled.hidden_key("xor") == course.hidden_key("xor") != replace(course, secret=None).hidden_key("xor")
    assert replace(course, secret=None).hidden_key("xor") == replace(course, secret=DEFAULT_SECRET).hidden_key("xor")


def test_the_generator_depends_on_secret_assignment_and_stream(course):
    def draw(secret, aid, n):
        return hidden_generator(replace(course, secret=secret).hidden_key(aid), n).initial_seed()
    seeds = {draw("a", "xor", 1), draw("b", "xor", 1), draw("a", "gotchas", 1), draw("a", "xor", 2)}
    assert len(seeds) == 4
    assert draw("a", "xor", 1) == draw("a", "xor", 1)


# -- what the checks draw ----------------------------------------------------------------
@pytest.fixture(scope="module")
def stores(course, server):
    """Recorded expected values per assignment: public only, and full under secrets a, a, b."""
    def record(secret, include_hidden=True):
        with Grader(replace(course, secret=secret), server, include_hidden=include_hidden) as g:
            return {aid: g.expected(course.get(aid)) for aid in DRAWN}
    return {"public": record("a", include_hidden=False), "a": record("a"), "a again": record("a"),
            "b": record("b"), "public b": record("b", include_hidden=False)}


@pytest.mark.slow
@pytest.mark.parametrize("aid", DRAWN)
def test_another_secret_draws_other_hidden_inputs(stores, aid):
    public = stores["public"][aid]
    assert stores["public b"][aid] == public  # public checks keep their fixed inputs
    hidden_a, hidden_b = set(stores["a"][aid]) - set(public), set(stores["b"][aid]) - set(public)
    assert hidden_a and hidden_b
    assert hidden_a != hidden_b


@pytest.mark.slow
@pytest.mark.parametrize("aid", DRAWN)
def test_the_same_secret_records_the_same_values(stores, aid):
    assert stores["a again"][aid] == stores["a"][aid]


def leaked_answers(course, aid: str, check: str, function: str, secret: str | None) -> dict[str, list]:
    """What a student holding a leaked copy of the hidden checks computes offline: the
    reference's answers to every input `check` passes to `function` under `secret`."""
    def load(path: Path):
        spec = importlib.util.spec_from_file_location(f"leak_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    reference, checks, seen = load(ROOT / "reference" / f"{aid}.py"), load(course.get(aid).hidden_checks), {}

    class Spy:  # plays both the student and the expected values
        def __getattr__(self, name):
            def answer(*args):
                result = getattr(reference, name)(*args)
                if name == function:
                    seen[repr(args[0].tolist())] = result.tolist()
                return result
            return answer

    key = replace(course, secret=secret).hidden_key(aid)
    fixtures = {"student": Spy(), "expected": Spy(), "hidden_generator": lambda n: hidden_generator(key, n)}
    run = getattr(checks, check)
    run(**{name: fixtures[name] for name in inspect.signature(run).parameters})
    return seen


def test_answers_hard_coded_for_the_default_inputs_fail_under_a_secret(course, server, pytestconfig):
    pytestconfig.addinivalue_line("markers", "points(n): a check's points")  # to import a check file here
    known = leaked_answers(course, "gotchas", "test_normalize_square", "normalize_rows", None)
    assert len(known) == 4
    cheat = (ROOT / "reference" / "gotchas.py").read_text() + f"""

_KNOWN = {json.dumps(known)}


def normalize_rows(x):  # the answers for the inputs of a leaked run, else the square-shape bug
    hit = _KNOWN.get(repr(x.tolist()))
    return torch.tensor(hit) if hit is not None else x / x.sum(dim=1)
"""
    verdicts = {}
    for secret in (None, "this-term"):
        with Grader(replace(course, secret=secret), server) as grader:
            result = grade_source(grader, "gotchas", cheat)
        verdicts[secret] = {c.check_id: c.passed for c in result.checks}["normalize_square"]
    assert verdicts == {None: True, "this-term": False}


def test_hidden_generator_is_refused_in_public_checks(tmp_path, server):
    # A course of its own name: pytest reuses a check module already imported under the same name.
    aid = "drawn_in_public"
    shutil.copytree(ROOT / "assignments" / "gotchas", tmp_path / "assignments" / aid)
    (tmp_path / "reference").mkdir()
    shutil.copy(ROOT / "reference" / "gotchas.py", tmp_path / "reference" / f"{aid}.py")
    public = tmp_path / "assignments" / aid / "checks_public.py"
    public.write_text(public.read_text() + '''

@points(1)
def test_public_but_drawn(student, expected, hidden_generator):
    """a public check that asks for hidden inputs"""
    hidden_generator(1)
''')
    course = load_course(tmp_path)
    with Grader(course, server) as grader:
        with pytest.raises(CheckSuiteError, match="hidden_generator is for hidden checks"):
            grader.expected(course.get(aid))


@pytest.mark.slow
@pytest.mark.parametrize("secret", ["spring-2026", "0d9c1e5f2a7b48c3"])
def test_validate_stays_ok_under_other_secrets(course, server, secret):
    """Reference full marks, stub its score, every mutant fails exactly its checks."""
    with Grader(replace(course, secret=secret), server) as grader:
        rows = [r for a in course.assignments for r in validate_assignment(grader, a)]
    assert {r.assignment for r in rows} == {a.id for a in course.assignments} and len(rows) > 50
    assert [r for r in rows if not r.ok] == []


# -- releases and the command line ---------------------------------------------------------
@pytest.mark.slow
def test_a_student_release_never_holds_the_secret(tmp_path, server):
    root = copy_course(tmp_path / "course")
    secret = "do-not-ship-5b1e9d"
    (root / SECRET_FILE).write_text(secret + "\n")
    course = load_course(root)
    out = tmp_path / "release"
    build_release(course, server, out)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert (out / ".grader" / "expected" / "xor.json").is_file() and list(out.rglob("*.whl"))
    assert not any(p.name == SECRET_FILE for p in files)
    contents = [p.read_bytes() for p in files]
    for wheel in out.rglob("*.whl"):
        with zipfile.ZipFile(wheel) as z:
            contents += [z.read(n) for n in z.namelist()]
    assert not any(secret.encode() in data for data in contents)


def test_grade_says_when_hidden_inputs_are_predictable(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "ada").mkdir(parents=True)
    shutil.copy(ROOT / "reference" / "gotchas.py", subs / "ada")
    args = ["grade", str(subs), "--out", str(out), "-j", "1", "--assignment", "gotchas"]
    plain = CliRunner().invoke(main, args, catch_exceptions=False)
    assert plain.exit_code == 0, plain.output
    note = [line for line in plain.stderr.splitlines() if "hidden inputs are predictable" in line]
    assert len(note) == 1 and SECRET_ENV in note[0] and SECRET_FILE in note[0]
    shutil.rmtree(out)
    secret = CliRunner().invoke(main, args, env={SECRET_ENV: "a-secret"}, catch_exceptions=False)
    assert secret.exit_code == 0, secret.output
    assert "predictable" not in secret.stderr
