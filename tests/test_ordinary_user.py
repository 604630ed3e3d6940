"""The grader as an ordinary user (issue 15.4): CI runs as root, students and most
instructors do not. As root, this makes an unprivileged user, gives it a venv of its own
(Debian's Python; torch from this interpreter's site-packages, read-only, as a site-wide
install would be; the grader as a wheel built from a copy of this checkout, because an
editable install of a root-owned tree fails for anyone else) and runs `grader check` and
`grader grade` as that user. User namespaces are refused to those runs by a seccomp
filter (tests/no_userns.py), the machine's sysctl untouched: the report must then name
every missing layer, and honest work must still pass.
"""
from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from helpers import ROOT, modes_under

pytestmark = pytest.mark.slow

USER = "grader-student"
AID = "tensor_creation"
# As an ordinary user with user namespaces refused: what the worker cannot have.
MISSING_WITHOUT_USERNS = ("namespaces (not root, and user namespaces are disabled)",
                          "memory and pids cgroups (not root)", "hidden files (no mount namespace)",
                          "unprivileged user (not root)")
MISSING_WITH_USERNS = ("memory and pids cgroups (not root)", "unprivileged user (not root)")


def _need(condition: bool, reason: str) -> None:
    if not condition:
        pytest.skip(reason)


def _make_user() -> pwd.struct_passwd:
    """The test user, made once per machine (the same name every run)."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--user-group", USER], check=True, capture_output=True)
        return pwd.getpwnam(USER)


class Student:
    """Runs commands as the test user, in a clean environment and under umask 022."""

    def __init__(self, user: pwd.struct_passwd, work: Path) -> None:
        self.user, self.work = user, work
        self.python = work / "venv" / "bin" / "python"

    def run(self, *args: str | Path, cwd: Path | None = None, refuse_userns: bool = False,
            engine: str | None = None) -> subprocess.CompletedProcess:
        wrap = [str(self.python), str(self.work / "no_userns.py")] if refuse_userns else []
        env = {"HOME": self.user.pw_dir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        if engine:
            env["GRADER_ENGINE"] = engine
        cmd = [shutil.which("runuser") or "runuser", "-u", USER, "--", "sh", "-c", 'umask 022 && exec "$@"', "sh", *wrap, *map(str, args)]
        return subprocess.run(cmd, cwd=cwd or self.work, env=env, capture_output=True, text=True, timeout=300)

    def grader(self, *args: str | Path, cwd: Path, refuse_userns: bool = True,
               engine: str | None = None) -> subprocess.CompletedProcess:
        return self.run(self.work / "venv" / "bin" / "grader", *args, "--course", self.work / "course",
                        cwd=cwd, refuse_userns=refuse_userns, engine=engine)

    def give(self, path: Path) -> None:
        """Hand a folder made by root to the user."""
        for p in [path, *path.rglob("*")]:
            os.chown(p, self.user.pw_uid, self.user.pw_gid)


def _wheel(into: Path) -> Path:
    """This checkout's grader as a wheel, built from a copy (the checkout stays untouched)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, src)
        shutil.copytree(ROOT / "grader", src / "grader", ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(into), str(src)], check=True, capture_output=True)
    return next(into.glob("*.whl"))


def _python_for(who: Student) -> str:
    """This interpreter's base if the user may run it, else the system's of the same version
    (pyenv's, under /root, is not): torch's compiled parts need the same minor version."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [os.path.realpath(getattr(sys, "_base_executable", sys.executable)), f"/usr/bin/python{version}"]
    for python in candidates:
        if who.run(python, "-c", "").returncode == 0:
            return python
    pytest.skip(f"no Python {version} the user may run (tried {', '.join(candidates)})")


@pytest.fixture(scope="module")
def student():
    _need(os.geteuid() == 0, "needs root, to make the unprivileged user (CI runs as root)")
    _need(all(shutil.which(t) for t in ("useradd", "runuser")), "needs useradd and runuser (util-linux, passwd)")
    _need(os.uname().machine in ("x86_64", "aarch64"), "the user-namespace filter knows x86_64 and aarch64 only")
    user = _make_user()
    work = Path(tempfile.mkdtemp(prefix="grader-student-", dir="/tmp"))  # /tmp: a place the user can reach
    try:
        os.chmod(work, 0o755)
        who = Student(user, work)
        site = sysconfig.get_paths()["purelib"]  # torch and the other dependencies, read-only
        base = _python_for(who)
        _need(who.run("test", "-r", Path(site) / "torch" / "__init__.py").returncode == 0,
              f"{site} is not readable by other users: the ordinary user would have no torch")
        wheel = _wheel(work / "wheels")
        shutil.copy(ROOT / "tests" / "no_userns.py", work)
        for part in ("assignments", "reference", "student_template"):
            shutil.copytree(ROOT / part, work / "course" / part, ignore=shutil.ignore_patterns("__pycache__"))
        who.give(work)
        assert who.run(base, "-m", "venv", "--without-pip", work / "venv").returncode == 0
        pth = work / "venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        assert who.run("sh", "-c", f'echo "{site}" > "{pth}/site-wide-torch.pth"').returncode == 0
        done = who.run(who.python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel)
        assert done.returncode == 0, done.stderr
        yield who
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_user_runs_its_own_install(student):
    done = student.run(student.python, "-c", "import grader, os; print(grader.__file__, os.getuid())")
    where, uid = done.stdout.split()
    assert where.startswith(str(student.work / "venv")) and int(uid) == student.user.pw_uid != 0


@pytest.mark.parametrize("refuse_userns", [True, False], ids=["userns-refused", "userns-allowed"])
def test_check_passes_the_reference_and_names_the_missing_layers(student, refuse_userns, tmp_path):
    folder = student.work / f"ref-{refuse_userns}"
    folder.mkdir()
    shutil.copy(ROOT / "reference" / f"{AID}.py", folder)
    student.give(folder)
    done = student.grader("check", AID, cwd=folder, refuse_userns=refuse_userns)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All public checks pass." in done.stdout
    missing = MISSING_WITHOUT_USERNS if refuse_userns else MISSING_WITH_USERNS
    assert f"sandbox layers not available here: {', '.join(missing)}" in done.stdout


@pytest.mark.parametrize("engine", ["fork", "spawn"])
def test_both_engines_give_the_same_verdicts(student, engine):
    """Issue 15: the fork server and the spawn engine (macOS and Windows use it) agree."""
    for name, source, code, line in (("ref", ROOT / "reference", 0, "All public checks pass."),
                                     ("stub", ROOT / "student_template", 1, "(tensor_creation): 0/7")):
        folder = student.work / f"{engine}-{name}"
        folder.mkdir()
        shutil.copy(source / f"{AID}.py", folder)
        student.give(folder)
        done = student.grader("check", AID, cwd=folder, refuse_userns=False, engine=engine)
        assert done.returncode == code and line in done.stdout, done.stdout + done.stderr[-3000:]


def test_check_fails_the_stub(student):
    folder = student.work / "stub"
    folder.mkdir()
    shutil.copy(ROOT / "student_template" / f"{AID}.py", folder)
    student.give(folder)
    done = student.grader("check", AID, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "(tensor_creation): 0/7" in done.stdout and "Some checks fail" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_grade_writes_every_output_readable_under_umask_022(student):
    subs, out = student.work / "class", student.work / "results"
    for name, source in (("alice", ROOT / "reference"), ("bob", ROOT / "student_template")):
        (subs / name).mkdir(parents=True)
        shutil.copy(source / f"{AID}.py", subs / name)
    student.give(subs)
    done = student.grader("grade", subs, "--out", out, "-j", "2", "--assignment", AID, cwd=student.work)
    assert done.returncode == 0, done.stdout + done.stderr
    totals = {r["student"]: float(r["total"]) for r in csv.DictReader((out / "grades.csv").open())}
    assert totals == {"alice": 10.0, "bob": 0.0}
    notes = json.loads((out / "alice" / "results.json").read_text())["extra_data"]["assignments"][0]["notes"]
    assert f"sandbox layers not available here: {', '.join(MISSING_WITHOUT_USERNS)}" in notes
    # The re-grade cache holds the hidden checks' answers: its owner's alone (grader/engine/regrade.py).
    modes = {name: m for name, m in modes_under(0o022, out).items() if not name.startswith(".grader-cache")}
    assert {"grades.csv", "index.html", "alice/report.html", "bob/results.json"} <= set(modes)
    assert oct(stat.S_IMODE((out / ".grader-cache").stat().st_mode)) == oct(0o700)
    assert {name: oct(got) for name, (got, allowed) in modes.items() if got != allowed} == {}
    assert all(p.stat().st_uid == student.user.pw_uid for p in out.rglob("*"))
