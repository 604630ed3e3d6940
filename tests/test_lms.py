"""Gradebooks for an LMS (issue 19, item 4): roster.csv, `grader export canvas|moodle`, `grade --roster`.

The exports are read back here the way each LMS reads them: Canvas's rules from
instructure/canvas-lms app/models/gradebook_importer.rb (header, SIS columns, the
Points Possible row, read-only computed columns, "Title (id)"), Moodle's from
grade/import/grade_import_form.php (one column maps to the user, each other column to
a grade item or "ignore").
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.catalogue import load_course
from grader.course.roster import load_roster
from grader.errors import UsageError
from grader.reports.outputs import write_batch
from grader.results import AssignmentResult, CheckResult, Status, StudentResult

ASSIGNMENTS = ("tensor_creation", "xor")
TITLES = ("Tensors, the building blocks", "Your first real PyTorch model")
ROSTER = (
    "\ufeffSubmission,Name,email,sis_id,login_id,canvas_id,section\n"  # a spreadsheet's BOM, any case
    "alice,Alice Adams,alice@uni.edu,S1,aadams,101,A\n"
    "Bob.zip,\"=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",bob@uni.edu,S2,@bob,102,-A\n"
    "carol,Carol Chen,carol@uni.edu,S3,cchen,103,B\n"
)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def student(sid: str, *scores: float | None) -> StudentResult:
    """A graded student: one check per assignment; None is an assignment not handed in."""
    return StudentResult(sid, tuple(
        AssignmentResult(aid, aid, 10.0, () if s is None else (CheckResult("c", "c", Status.FAILED, s, 10.0),),
                         graded_file=None if s is None else f"{aid}.py")
        for aid, s in zip(ASSIGNMENTS, scores)))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A batch as `grader grade` writes it: alice, bob and zed (who is not on the roster)."""
    out = tmp_path_factory.mktemp("lms") / "out"
    course = load_course()
    results = [student("alice", 10, 7.5), student("bob", 3.333, None), student("zed", 1, 1)]
    assert write_batch(out, course.select(list(ASSIGNMENTS)), results, 1.0) == []
    return out


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


# -- Canvas, read back as its importer reads it ------------------------------------------
def canvas_reads(rows: list[list[str]]) -> dict:
    """What Canvas's gradebook importer takes from the file (gradebook_importer.rb)."""
    header, *rest = rows
    assert "Student" in header[0] and "ID" in header[1], "not a Canvas header row"
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert header[4] == "Section", "Section must close the student columns"
    computed = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade")
    columns = {i: h for i, h in enumerate(header) if i > 4 and not computed.search(h)}
    assignments = {i: (m.group(1), m.group(2)) if (m := re.fullmatch(r"(.*)\s\((\d+)\)", h)) else (h, None)
                   for i, h in columns.items()}
    points = next(r for r in rest if "Points Possible" in r[0])
    students = [r for r in rest if "Points Possible" not in r[0]]
    return {"assignments": list(assignments.values()),
            "points": [points[i] for i in assignments],
            "students": {r[1] or r[2]: [r[i] for i in assignments] for r in students},
            "names": [r[0] for r in students]}


def test_canvas_columns_and_points_possible_row_are_exact(graded, roster):
    result = run("export", "canvas", graded, "--roster", roster)
    assert result.exit_code == 0, result.output
    rows = read_csv(graded / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *TITLES, "Final Points"]
    assert rows[1] == ["Points Possible", "", "", "", "", "10", "10", "(read only)"]
    assert rows[2] == ["Alice Adams", "101", "S1", "aadams", "A", "10", "7.5", "17.5"]
    canvas = canvas_reads(rows)
    assert canvas["assignments"] == [(t, None) for t in TITLES]  # the total is not an assignment
    assert canvas["points"] == ["10", "10"]
    assert canvas["students"] == {"101": ["10", "7.5"], "102": ["3.33", "0"], "103": ["0", "0"]}


def test_canvas_ids_pin_columns_to_assignments(graded, roster, tmp_path):
    out = tmp_path / "c.csv"
    assert run("export", "canvas", graded, "--roster", roster, "--out", out, "--canvas-id", "xor=5551").exit_code == 0
    assert canvas_reads(read_csv(out))["assignments"] == [(TITLES[0], None), (TITLES[1], "5551")]
    bad = run("export", "canvas", graded, "--roster", roster, "--canvas-id", "xor=abc")
    assert bad.exit_code == 2 and "--canvas-id 'xor=abc'" in bad.output


# -- Moodle -------------------------------------------------------------------------------
def test_moodle_header_and_identity_mapping(graded, roster):
    result = run("export", "moodle", graded, "--roster", roster)
    assert result.exit_code == 0, result.output
    rows = read_csv(graded / "moodle.csv")
    assert rows[0] == ["Name", "Email address", "ID number", "Username", *TITLES, "Total", "Notes"]
    assert "Map from 'Email address' to 'Email address' (useremail)" in result.output
    # Moodle maps every row by the chosen column: each must be filled and unique.
    emails = [r[1] for r in rows[1:]]
    assert emails == ["alice@uni.edu", "bob@uni.edu", "carol@uni.edu"]
    assert rows[2][4:] == ["3.33", "0", "3.33", "not handed in: xor"]


def test_moodle_needs_one_identity_column_filled_for_everyone(graded, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("submission,name,email,sis_id\nalice,A,a@u.edu,\nbob,B,,S2\n")
    result = run("export", "moodle", graded, "--roster", path)
    assert result.exit_code == 2
    assert f"{path}:" in result.output and "email: row 3" in result.output and "sis_id: row 2" in result.output


# -- who is on one side only ----------------------------------------------------------------
@pytest.mark.parametrize("lms", ["canvas", "moodle"])
def test_missing_student_gets_0_and_a_note_and_unknown_submission_is_listed(graded, roster, lms):
    result = run("export", lms, graded, "--roster", roster)
    assert "1 roster students have no submission" in result.output
    assert "Carol Chen <carol@uni.edu> (roster row 4)" in result.output
    assert "not on the roster" in result.output and ": zed" in result.output
    rows = read_csv(graded / f"{lms}.csv")
    carol = next(r for r in rows if r[0] == "Carol Chen")
    assert "zed" not in (graded / f"{lms}.csv").read_text()
    if lms == "canvas":
        assert carol[5:] == ["0", "0", "0"]
    else:
        assert carol[4:] == ["0", "0", "0", "no submission: 0 for every assignment"]


# -- formula injection ------------------------------------------------------------------------
@pytest.mark.parametrize("lms", ["canvas", "moodle"])
def test_formula_cells_are_neutralised(graded, roster, lms):
    assert run("export", lms, graded, "--roster", roster).exit_code == 0
    bob = read_csv(graded / f"{lms}.csv")[3 if lms == "canvas" else 2]
    assert bob[0] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert "'@bob" in bob and "@bob" not in [c for c in bob if not c.startswith("'")]
    if lms == "canvas":
        assert bob[4] == "'-A"  # section
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in bob)


def test_a_student_named_points_possible_is_not_read_as_canvass_points_row(graded, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Submission,Name,email,sis_id,login_id,canvas_id,section\n"
                      "alice,Points Possible,alice@uni.edu,S1,aadams,101,A\n"
                      "bob,points   POSSIBLE (Bob),bob@uni.edu,S2,bob,102,A\n")
    assert run("export", "canvas", graded, "--roster", roster).exit_code == 0
    rows = read_csv(graded / "canvas.csv")
    assert [r[0] for r in rows if "points possible" in re.sub(r"\s+", " ", r[0].lower())] == ["Points Possible"]
    assert rows[2][:3] == ["Points-Possible", "101", "S1"] and rows[3][0] == "Points-Possible (Bob)"


# -- the roster itself --------------------------------------------------------------------------
def test_roster_lookups_both_ways(roster):
    r = load_roster(roster)
    assert r.by_submission("alice").name == "Alice Adams"
    assert r.by_submission("BOB").canvas_id == "102"  # "Bob.zip" is graded as "Bob"
    assert r.by_identity("CAROL@uni.edu").submission == "carol"
    assert r.by_identity("S2").submission == "Bob.zip" and r.by_identity("103").name == "Carol Chen"
    assert r.by_submission("zed") is None and r.by_identity("nobody") is None


BAD_ROSTERS = [
    pytest.param(b"", "the roster is empty", id="empty"),
    pytest.param(b"\xef\xbb\xbf\n", "the roster is empty", id="only-a-bom"),
    pytest.param(b"submission,name,email\n", "a header but no students", id="no-students"),
    pytest.param(b"name,email\nA,a@u\n", "row 1: missing column 'submission'", id="missing-column"),
    pytest.param(b"submission,name,emial\nA,A,a@u\n", "row 1, column 3: unknown column 'emial'", id="unknown-column"),
    pytest.param(b"submission,name\nA,A\n", "row 1: no column an LMS finds students by", id="no-identity-column"),
    pytest.param(b"submission,name,email\nalice,A,a@u\nAlice.zip,B,b@u\n",
                 "row 3, column submission: 'Alice.zip' is also row 2's ('alice')", id="duplicate-submission"),
    pytest.param(b"submission,name,email\nalice,A,a@u\nbob,B,A@U\n",
                 "row 3, column email: 'A@U' is also row 2's", id="duplicate-email"),
    pytest.param(b"submission,name,email\nalice,A\x07,a@u\n", "row 2, column name: a control", id="control-char"),
    pytest.param("submission,name,email\nalice,\u202eA,a@u\n".encode(), "row 2, column name", id="bidi-override"),
    pytest.param(b"submission,name,email\nalice,A,a@u\nbob,Bj\xf6rn,b@u\n", "row 3: not UTF-8", id="latin-1"),
    pytest.param(b"submission,name,email\nalice,,a@u\n", "row 2, column name: empty", id="empty-name"),
    pytest.param(b"submission,name,email,sis_id\nalice,A,,\n", "row 2: no LMS identity for 'A'", id="no-identity"),
    pytest.param(b"submission,name,email\nalice,A,a@u,x\n", "row 2: 4 cells for 3 columns", id="extra-cell"),
    pytest.param(b"submission,name,email\n../alice,A,a@u\n", "row 2, column submission: '../alice' is a path",
                 id="path"),
]


@pytest.mark.parametrize("data, message", BAD_ROSTERS)
def test_a_bad_roster_is_one_line_naming_file_and_row_exit_2(tmp_path, data, message):
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    with pytest.raises(UsageError) as err:
        load_roster(path)
    assert str(err.value).startswith(f"{path}") and message in str(err.value) and "\n" not in str(err.value)
    result = run("export", "canvas", tmp_path, "--roster", path)  # refused before DIR is read
    assert result.exit_code == 2 and message in result.output


def test_export_will_not_overwrite_the_batchs_own_files(graded, roster):
    before = (graded / "grades.csv").read_text()
    result = run("export", "canvas", graded, "--roster", roster, "--out", graded / "Grades.csv")
    assert result.exit_code == 2 and "would overwrite the batch's grades.csv" in result.output
    assert (graded / "grades.csv").read_text() == before


# -- grade --roster -------------------------------------------------------------------------------
def test_grade_checks_the_roster_first_and_lists_who_is_unmatched(tmp_path, roster, monkeypatch):
    """A bad roster stops `grade` before any work; a good one names who is on one side only,
    and the batch it writes exports (grading itself is replaced: its cost is not the point)."""
    import grader.engine.grading

    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("alice", "Bob", "zed"):
        (subs / name).mkdir(parents=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("submission,name,email\nalice,A,a@u\nalice,B,b@u\n")
    result = run("grade", subs, "--out", out, "--roster", bad)
    assert result.exit_code == 2 and "row 3, column submission" in result.output and not out.exists()

    monkeypatch.setattr(grader.engine.grading, "grade_batch", lambda grader, assignments, subs, jobs, progress=None:
                        [student("Bob", 5, 5), student("alice", 10, 10), student("zed", 0, 0)])
    result = run("grade", subs, "--out", out, "--roster", roster, "--assignment", "tensor_creation",
                 "--assignment", "xor")
    assert result.exit_code == 0, result.output
    assert "Carol Chen <carol@uni.edu> (roster row 4)" in result.stderr
    assert f"1 submissions in {subs} are not on the roster" in result.stderr and ": zed" in result.stderr
    assert run("export", "canvas", out, "--roster", roster).exit_code == 0
    assert canvas_reads(read_csv(out / "canvas.csv"))["students"] == {
        "101": ["10", "10"], "102": ["5", "5"], "103": ["0", "0"]}
