"""Graded CI takes the course from the instructor's bundle only (THREATS 61), and no
student text becomes a GitHub workflow command or live Markdown (THREATS 62)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT
from test_release import run

from grader.course.catalogue import BUNDLE_MARKER, load_bundle, load_course
from grader.engine.handles import load_store
from grader.engine.release import build_release
from grader.reports.github import error_annotations, summary_markdown
from grader.results import AssignmentResult, CheckResult, Status, StudentResult

AID = "tensor_creation"
SECRET = b"instructor-only 7d1e0c\n"
EVIL = ("bad\n::add-mask::hunter2\n  ::notice title=grader::Score 10/10\r::stop-commands::abc\n"
        "##[add-mask]x ![x](http://evil/p.png) <img src=http://evil/q.png> **bold** | `tick`")


@pytest.fixture(scope="module")
def released(server, tmp_path_factory):
    """A one-assignment course with a course secret, released: (student repo, bundle)."""
    base = tmp_path_factory.mktemp("trust")
    course = base / "course"
    shutil.copytree(ROOT / "assignments" / AID, course / "assignments" / AID)
    for folder in ("reference", "student_template"):
        (course / folder).mkdir()
        for path in (ROOT / folder).glob(f"{AID}.*"):
            shutil.copy(path, course / folder)
    (course / "course_secret").write_bytes(SECRET)
    out, bundle = base / "repo", base / "bundle"
    build_release(load_course(course), server, out, bundle)
    return out, bundle


@pytest.fixture
def student_repo(released, tmp_path, monkeypatch):
    repo = tmp_path / "student"
    shutil.copytree(released[0], repo)
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    return repo


def test_the_bundle_is_the_whole_course_without_the_reference(released):
    _, bundle = released
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {BUNDLE_MARKER, "course_secret", f"expected/{AID}.json", f"student_template/{AID}.py",
            f"student_template/{AID}.ipynb"} <= names
    assert {f"assignments/{AID}/{n}" for n in ("assignment.toml", "probes.py", "checks_public.py",
                                                "checks_hidden.py")} <= names
    assert (bundle / "course_secret").read_bytes() == SECRET
    reference = (ROOT / "reference" / f"{AID}.py").read_bytes()
    assert not any(p.read_bytes() == reference for p in bundle.rglob("*") if p.is_file())
    course = load_bundle(bundle)
    assert course.root == bundle.resolve() and [a.id for a in course.assignments] == [AID]


def _bundle_secrets(bundle) -> list[str]:
    """What must never reach a student's outputs: check code, expected values, the secret."""
    code = [line.strip() for p in bundle.glob("assignments/*/*.py") for line in p.read_text().splitlines()
            if len(line.strip()) > 20 and not line.strip().startswith(('"', "#"))]
    store = load_store((bundle / "expected" / f"{AID}.json").read_text())
    raw = json.loads((bundle / "expected" / f"{AID}.json").read_text())["values"]
    return code + list(store) + list(raw.values()) + [SECRET.decode().strip()]


def test_ci_hidden_ignores_the_students_own_checks(released, student_repo, tmp_path):
    _, bundle = released
    graded = tmp_path / "graded"
    rewritten = student_repo / ".grader" / "assignments" / AID / "checks_public.py"
    rewritten.write_text(f'''"""Rewritten by the student: full marks, and copy the bundle where results go."""
import shutil
from pathlib import Path

from grader.authoring.checks import points

Path(r"{graded}").mkdir(parents=True, exist_ok=True)
Path(r"{graded}", "stolen-marker.txt").write_text("the student's checks ran")
shutil.copytree(r"{bundle}", Path(r"{graded}", "stolen"), dirs_exist_ok=True)


@points(100)
def test_everything(student):
    """everything passes"""
''')
    # Its own process: pytest would reuse check modules this session already imported by that name.
    result = subprocess.run([sys.executable, "-m", "grader.cli", "ci", "--hidden", str(bundle), "--out", str(graded)],
                            cwd=student_repo, capture_output=True, text=True, timeout=300,
                            env={k: v for k, v in os.environ.items() if k != "GRADER_COURSE"})
    assert result.returncode == 1, result.stdout + result.stderr
    data = json.loads((graded / "results.json").read_text())
    assert data["score"] == 0 and "everything passes" not in result.stdout
    assert any(t["extra_data"]["hidden"] for t in data["tests"])  # the bundle's hidden checks ran
    assert sorted(p.name for p in graded.rglob("*")) == ["junit.xml", "results.json"]
    written = "".join(p.read_text() for p in graded.iterdir())
    leaked = [s for s in _bundle_secrets(bundle) if s in written]
    assert not leaked


def test_workers_cannot_read_the_bundle(released, student_repo, tmp_path):
    _, bundle = released
    snoop = "".join(f'''
try:
    print("SNOOP", open(r"{bundle / name}").read())
except Exception as exc:
    print("SNOOP refused:", type(exc).__name__)
''' for name in ("course_secret", f"assignments/{AID}/checks_hidden.py"))
    (student_repo / f"{AID}.py").write_text(snoop + (ROOT / "reference" / f"{AID}.py").read_text())
    result = run("ci", "--hidden", bundle, "--out", tmp_path / "graded")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "graded" / "results.json").read_text())
    assert data["score"] == 10
    printed = data["extra_data"]["assignments"][0]["output"]
    assert printed.count("SNOOP refused:") == 2, printed
    assert not [s for s in _bundle_secrets(bundle) if s in printed]


def test_ci_refuses_an_old_or_missing_bundle(student_repo, tmp_path):
    old = tmp_path / "old-bundle"
    (old / "assignments" / AID).mkdir(parents=True)
    shutil.copy(ROOT / "assignments" / AID / "checks_hidden.py", old / "assignments" / AID)
    result = run("ci", "--hidden", old)
    assert result.exit_code == 2 and "older release" in result.output and "rebuild it" in result.output
    result = run("ci", "--hidden", tmp_path)
    assert result.exit_code == 2 and "not an instructor bundle" in result.output
    result = run("ci", "--hidden", old, "--course", student_repo / ".grader")
    assert result.exit_code == 2 and "drop --course" in result.output
    assert not (student_repo / "grader-results").exists()


def test_release_refuses_a_bundle_inside_the_student_repository(tmp_path):
    result = run("release", tmp_path / "repo", "--hidden-bundle", tmp_path / "repo" / "hidden")
    assert result.exit_code == 2 and "outside the student repository" in result.output
    assert not (tmp_path / "repo").exists()


def _assert_commands_stopped(stdout: str) -> None:
    """Student text sits in one stop-commands block; outside it, only our annotations start with ::."""
    lines = stdout.splitlines()  # a superset of the runner's line ends (\n, \r)
    starts = [i for i, line in enumerate(lines) if line.startswith("::stop-commands::")]
    assert len(starts) == 1, stdout
    token = lines[starts[0]].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    end = lines.index(f"::{token}::")
    inside, outside = lines[starts[0] + 1:end], lines[:starts[0]] + lines[end + 1:]
    assert any("add-mask" in line for line in inside), stdout  # the student's text is there, defused
    assert not [line for line in inside if line.lstrip().startswith("::") or "##[" in line]
    assert not [line for line in outside if "##[" in line or
                line.lstrip().startswith("::") and not line.startswith("::error ")]


def test_student_text_cannot_issue_workflow_commands(student_repo, tmp_path):
    (student_repo / f"{AID}.py").write_text(
        (ROOT / "reference" / f"{AID}.py").read_text() + f"\n\ndef from_data(values):\n    raise ValueError({EVIL!r})\n")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTOR": "octo"}
    ci = run("ci", env=env)
    assert ci.exit_code == 1
    _assert_commands_stopped(ci.stdout)
    assert "::error file=" in ci.stdout and "%0A::add-mask::hunter2" in ci.stdout
    assert "<img" not in summary.read_text() and "&#60;img" in summary.read_text()
    check = run("check", AID, env=env)
    assert check.exit_code == 1
    _assert_commands_stopped(check.stdout)


def _result(message: str, title: str = "from_data works", error: str | None = None) -> StudentResult:
    check = CheckResult("test_from_data", title, Status.FAILED, 0, 1, message=message, hint="look `here`")
    return StudentResult("octo", (AssignmentResult(AID, "Tensors", 1, (check,), f"{AID}.py", error=error),))


def test_the_summary_shows_student_text_as_inert_code():
    text = summary_markdown(_result(EVIL, error="<img src=x onerror=alert(1)>"))
    rows = [line for line in text.splitlines() if line.startswith("| ❌")]
    assert len(rows) == 1 and rows[0].count("|") == 5  # the student's | does not make a cell
    tags_removed = re.sub(r"</?code>", "", text)
    for live in ("<", "![", "](", "**", "`", "http://", "\r"):
        assert live not in tags_removed, live
    assert "<code>bad&#10;&#58;&#58;add&#45;mask&#58;&#58;hunter2" in text
    assert "&#33;&#91;x&#93;&#40;http&#58;&#47;&#47;evil&#47;p&#46;png&#41;" in text
    assert "&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62;" in text


def test_annotations_escape_every_field():
    line, = error_annotations(_result("a\r\nb%0A::c", title="t: x, y"))
    assert "\n" not in line and "\r" not in line
    props, data = line.removeprefix("::error ").split("::", 1)
    assert props == f"file={AID}.py,title={AID}%3A t%3A x%2C y"
    assert data == "a%0D%0Ab%250A::c Hint: look `here`"
    assert "##[" not in error_annotations(_result("x ##[add-mask]y"))[0]


def test_grade_reads_a_class_from_the_bundle(released, tmp_path):
    _, bundle = released
    (tmp_path / "subs" / "ada").mkdir(parents=True)
    shutil.copy(ROOT / "reference" / f"{AID}.py", tmp_path / "subs" / "ada")
    result = run("grade", tmp_path / "subs", "--out", tmp_path / "out", "-j", "1", "--course", bundle)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "grades.csv").read_text().splitlines()[1] == "ada,10,10"
