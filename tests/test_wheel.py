"""A release always installs (issue 15.2): the grader is vendored as a wheel, from a checkout or
from an installed wheel, and requirements.txt names that file, never a version on an index."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from grader.engine.wheel import build_from_source, installed_distribution, vendor_wheel
from grader.errors import UsageError

AID = "tensor_creation"


def fresh_venv(folder: Path) -> Path:
    """A venv without the grader that still sees this one's dependencies (torch, click, ...):
    a .pth line adds our site-packages as a plain path, so its editable grader's hook does not run."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip_install(python: Path, requirement: str, cwd: Path | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", requirement], cwd=cwd, check=True)


def small_course(folder: Path) -> Path:
    """One assignment, no mutants: a release of it costs seconds."""
    for name in ("assignment.toml", "probes.py", "checks_public.py", "checks_hidden.py"):
        (folder / "assignments" / AID).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "assignments" / AID / name, folder / "assignments" / AID / name)
    for sub, suffixes in (("reference", (".py",)), ("student_template", (".py", ".ipynb"))):
        (folder / sub).mkdir(exist_ok=True)
        for suffix in suffixes:
            shutil.copy(ROOT / sub / f"{AID}{suffix}", folder / sub)
    return folder


def assert_record_matches(wheel: Path) -> None:
    """Every file of the wheel is in its RECORD with its sha256 and size (PEP 427)."""
    with zipfile.ZipFile(wheel) as z:
        record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(z.read(record_name).decode()))}
        assert set(rows) == set(z.namelist())
        for name in z.namelist():
            if name != record_name:
                data = z.read(name)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert rows[name] == [f"sha256={digest}", str(len(data))], name


@pytest.mark.slow
def test_release_from_an_installed_wheel_vendors_a_wheel_that_installs(tmp_path):
    built = vendor_wheel(tmp_path / "built")  # from this checkout
    installed = fresh_venv(tmp_path / "installed")
    pip_install(installed, str(built))
    grader = tmp_path / "installed" / "bin" / "grader"
    where = subprocess.run([str(installed), "-c", "import grader; print(grader.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(tmp_path / "installed"))  # not the checkout

    repo = tmp_path / "repo"
    done = subprocess.run([str(grader), "release", str(repo), "--course", str(small_course(tmp_path / "course"))],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    requirements = (repo / "requirements.txt").read_text().splitlines()
    vendored = [line for line in requirements if line.startswith("./")]
    assert len(vendored) == 1 and not any("==" in line for line in requirements), requirements
    wheel = repo / vendored[0]
    assert wheel.is_file() and wheel.parent == repo / ".grader" / "wheels"
    assert_record_matches(wheel)
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(wheel) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())  # the same files as a wheel built from source

    student = fresh_venv(tmp_path / "student")
    pip_install(student, vendored[0], cwd=repo)  # as CI does, from the repository root
    done = subprocess.run([str(tmp_path / "student" / "bin" / "grader"), "--help"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "release" in done.stdout


def test_a_wheel_from_the_checkout_lists_its_files(tmp_path):
    assert_record_matches(vendor_wheel(tmp_path))


def test_a_tree_pip_cannot_build_stops_with_the_reason(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(UsageError, match="cannot build a wheel of the grader from"):
        build_from_source(tmp_path, tmp_path / "out")


def test_a_grader_neither_checked_out_nor_installed_stops_with_the_reason(tmp_path):
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "__init__.py").write_text("")
    with pytest.raises(UsageError, match="neither a checkout .* nor installed from a wheel"):
        installed_distribution(tmp_path / "grader")
