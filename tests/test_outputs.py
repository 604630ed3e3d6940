"""The batch's outputs: every one written whatever the students' names, one student's
write failure costs no one else's files, and a run leaves nothing in the temp folder."""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, modes_under

from grader.cli import main
from grader.course.submission import list_entries
from grader.errors import UsageError
from grader.files import write_atomic
from grader.reports.outputs import check_junit_path, load_batch, reserved_names, write_batch
from grader.results import AssignmentResult, CheckResult, Status, StudentResult
from grader.tempdirs import private_tempdir

REFERENCE = ROOT / "reference" / "tensor_creation.py"
STUB = ROOT / "student_template" / "tensor_creation.py"

# SUBMISSIONS entry -> the id it is graded as (None: skipped), and its source.
HOSTILE_CLASS = {
    "grades.csv": ("grades.csv-student", REFERENCE),
    "batch.json": ("batch.json-student", STUB),
    "index.html": ("index.html-student-2", REFERENCE),  # INDEX.HTML, sorted first, took -student
    "INDEX.HTML": ("INDEX.HTML-student", STUB),
    "Junit.XML": ("Junit.XML-student", REFERENCE),  # --junit OUT/junit.xml
    "grades.csv.zip": ("grades.csv-student-2", REFERENCE),
    "alice": ("alice-2", REFERENCE),  # ALICE, sorted first, took alice
    "ALICE": ("ALICE", STUB),
    "carol": ("carol", REFERENCE),
}
NOT_STUDENTS = [".hidden", "__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", "notes.txt"]


def make_class(root: Path) -> Path:
    subs = root / "subs"
    subs.mkdir()
    for name, (_, source) in HOSTILE_CLASS.items():
        if name.endswith(".zip"):
            with zipfile.ZipFile(subs / name, "w") as z:
                z.write(source, "tensor_creation.py")
        else:
            (subs / name).mkdir()
            shutil.copy(source, subs / name / "tensor_creation.py")
    for name in NOT_STUDENTS:
        if name.startswith((".hidden", "__")):
            (subs / name).mkdir()
            shutil.copy(REFERENCE, subs / name / "tensor_creation.py")
        else:
            (subs / name).write_text("x")
    return subs


@pytest.fixture(scope="module")
def graded():
    """One `grader grade` of the hostile class, with TMPDIR a fresh folder of the test's own
    (short: the fork server's socket path must fit in 108 bytes)."""
    work = Path(tempfile.mkdtemp(prefix="outputs-test-"))
    tmp = work / "t"
    tmp.mkdir()
    subs, out = make_class(work), work / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(tmp))
        mp.setattr(tempfile, "tempdir", str(tmp))
        result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "-j", "2", "--assignment",
                                           "tensor_creation", "--junit", str(out / "junit.xml")])
        left_in_tmp = sorted(os.listdir(tmp))
    yield result, out, left_in_tmp
    shutil.rmtree(work, ignore_errors=True)


def test_hostile_names_grade_and_every_output_is_a_file(graded):
    result, out, _ = graded
    assert result.exit_code == 0, result.output
    for name in ("grades.csv", "batch.json", "index.html", "junit.xml"):
        assert (out / name).is_file(), name
    rows = {r["student"]: float(r["total"]) for r in csv.DictReader((out / "grades.csv").open())}
    expected = {sid: 10.0 if source == REFERENCE else 0.0 for sid, source in HOSTILE_CLASS.values()}
    assert rows == expected
    assert [a["id"] for a in json.loads((out / "batch.json").read_text())["assignments"]] == ["tensor_creation"]
    index = (out / "index.html").read_text()
    suites = {s.get("name") for s in ET.parse(out / "junit.xml").getroot()}
    for sid in expected:
        assert (out / sid / "results.json").is_file() and (out / sid / "report.html").is_file()
        assert f'href="{sid}/report.html"' in index and f"{sid}.tensor_creation" in suites


def test_renamed_and_skipped_entries_are_named_on_stderr(graded):
    result, _, _ = graded
    for name, (sid, _) in HOSTILE_CLASS.items():
        if sid != name.removesuffix(".zip"):
            assert f"renamed {name} graded as {sid}: " in result.stderr
    for name in NOT_STUDENTS:
        assert f"skipped {name}: " in result.stderr
    assert "renamed carol" not in result.stderr and "renamed ALICE" not in result.stderr


def test_report_finds_every_renamed_student(graded):
    _, out, _ = graded
    assert {r.student for r in load_batch(out)[0]} == {sid for sid, _ in HOSTILE_CLASS.values()}
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0 and f"Rendered {len(HOSTILE_CLASS)} student reports" in result.output


def test_a_grade_run_leaves_nothing_in_the_temp_folder(graded):
    result, _, left_in_tmp = graded
    assert result.exit_code == 0 and left_in_tmp == []


# -- the pieces, without grading --------------------------------------------------------
def test_ids_avoid_reserved_names_and_each_other_ignoring_case(tmp_path):
    for name in ("Grades.CSV", "grades.csv-student", "bob", "BOB", "Bob", "report.xml", "x."):
        (tmp_path / name).mkdir()
    entries = list_entries(tmp_path, reserved_names(tmp_path, tmp_path / "Report.xml"))
    assert [sid for sid, _ in entries.students] == [
        "BOB", "Bob-2", "Grades.CSV-student", "bob-3", "grades.csv-student-2", "report.xml-student", "x"]
    assert len(entries.renamed) == 5 and entries.skipped == []


def test_reserved_names_include_the_junit_file_only_when_it_is_in_out(tmp_path):
    assert reserved_names(tmp_path) == {"grades.csv", "batch.json", "index.html", "canvas.csv", "moodle.csv",
                                       "similarity.csv", "similarity.html"}
    assert "j.xml" in reserved_names(tmp_path, tmp_path / "J.xml")
    assert "j.xml" not in reserved_names(tmp_path, tmp_path.parent / "j.xml")


@pytest.mark.parametrize("junit", ["Grades.csv", "alice/junit.xml"])
def test_junit_may_not_overwrite_batch_or_student_files(tmp_path, junit):
    with pytest.raises(UsageError):
        check_junit_path(tmp_path, tmp_path / junit)


def student(name: str, message: str = "ok") -> StudentResult:
    check = CheckResult("c1", "a check", Status.FAILED, 0.0, 10.0, message=message)
    return StudentResult(name, (AssignmentResult("tensor_creation", "Tensors", 10.0, (check,), "tensor_creation.py"),))


def test_a_student_whose_files_cannot_be_written_costs_no_one_else(tmp_path):
    """A lone surrogate (THREATS 58) makes results.json and report.html unwritable."""
    out = tmp_path / "out"
    results = [student("amy"), student("bad", "wrong \udc80"), student("zed")]
    failures = write_batch(out, [], results, 1.0, tmp_path / "junit.xml")
    assert {f.split(": ")[0] for f in failures} == {
        str(out / "bad" / "results.json"), str(out / "bad" / "report.html"), str(tmp_path / "junit.xml")}
    assert all("UnicodeEncodeError" in f for f in failures)
    for name in ("grades.csv", "batch.json", "index.html", "amy/results.json", "amy/report.html", "zed/report.html"):
        assert (out / name).is_file(), name
    assert "bad" in (out / "grades.csv").read_text()
    assert not (out / "bad").exists()  # nothing half-written


def test_grade_names_unwritable_files_and_exits_1(tmp_path, monkeypatch):
    """The command's side: the batch completes, the failures are listed, the exit status is 1."""
    import grader.engine.grading

    monkeypatch.setattr(grader.engine.grading, "grade_batch",
                        lambda grader, assignments, subs, jobs, progress=None: [student("amy"), student("bad", "\udc80")])
    subs = tmp_path / "subs"
    for name in ("amy", "bad"):
        (subs / name).mkdir(parents=True)
    result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(tmp_path / "out"),
                                       "--assignment", "tensor_creation"])
    assert result.exit_code == 1
    assert f"error: could not write {tmp_path / 'out' / 'bad' / 'results.json'}: UnicodeEncodeError" in result.stderr
    assert (tmp_path / "out" / "amy" / "report.html").is_file() and (tmp_path / "out" / "index.html").is_file()


def test_write_atomic_refuses_unencodable_text_before_touching_the_disk(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_atomic(tmp_path / "new" / "f.txt", "\udc80")
    assert not (tmp_path / "new").exists()


def test_private_tempdir_is_removed_and_the_environment_restored_even_on_error(monkeypatch):
    monkeypatch.setenv("TMPDIR", "/tmp")
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    with pytest.raises(RuntimeError), private_tempdir() as folder:
        assert os.environ["TMPDIR"] == tempfile.gettempdir() == str(folder)
        assert os.environ["TORCHINDUCTOR_CACHE_DIR"].startswith(str(folder))
        (folder / "left").mkdir()
        raise RuntimeError
    assert not folder.exists()
    assert os.environ["TMPDIR"] == "/tmp" and "TORCHINDUCTOR_CACHE_DIR" not in os.environ


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_batch_output_is_as_readable_as_the_umask_allows(tmp_path, umask):
    # mkstemp's 0600 made grades.csv and every report unreadable to a TA or a web server (issue 15.5).
    out = tmp_path / "out"
    old = os.umask(umask)
    try:
        assert write_batch(out, (), [student("ann"), student("ben")], 1.0, junit=out / "junit.xml") == []
    finally:
        os.umask(old)
    modes = modes_under(umask, out)
    assert {"grades.csv", "batch.json", "index.html", "junit.xml", "ann/results.json", "ann/report.html"} <= set(modes)
    assert {name: got for name, (got, allowed) in modes.items() if got != allowed} == {}
