"""Gradebooks an LMS imports: Canvas's and Moodle's CSV, one row per roster student.

The columns follow what each LMS documents and what its importer reads:
- Canvas, "How do I import grades in the Gradebook?"
  https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
  and its importer (instructure/canvas-lms, app/models/gradebook_importer.rb): the header
  is Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment,
  "Title (assignment id)" or just "Title" (matched by title; an unknown title makes a new
  assignment); a row whose first cell is "Points Possible" gives each assignment's points.
  Columns named like Canvas's computed ones ("Final Points") are read only and skipped
  on import, so the total goes there; a "Notes" column would become a new assignment
  unless the course has that custom column, so notes are only printed.
- Moodle, "Grade import" (CSV): https://docs.moodle.org/405/en/Grade_import
  The instructor maps one column to the user ("Map from" a column, "Map to" useremail,
  useridnumber or username) and each other column to a grade item, a new grade item,
  or "ignore"; so any column names work, and Total and Notes are left on "ignore".
Every text cell comes from the roster or a folder name and is made spreadsheet-safe.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from grader.course.catalogue import Assignment
from grader.course.roster import Match, Roster, RosterEntry
from grader.errors import UsageError
from grader.reports.gradebook import spreadsheet_safe
from grader.results import StudentResult

NO_SUBMISSION = "no submission: 0 for every assignment"
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
CANVAS_TOTAL = "Final Points"  # Canvas's own name for total points, unsubmitted work as 0; read only
# The roster fields Moodle can find a user by, in the order tried: (field, the column's name, which
# is also the label of Moodle's "Map to" choice, and that choice's value in grade_import_form.php).
MOODLE_KEYS = (("email", "Email address", "useremail"), ("sis_id", "ID number", "useridnumber"),
               ("login_id", "Username", "username"))


@dataclass(frozen=True)
class LmsRow:
    """One roster student's line of an export: their scores in assignment order and a note."""

    student: RosterEntry
    scores: tuple[float, ...]
    note: str = ""

    @property
    def total(self) -> float:
        """The sum of the assignment scores."""
        return sum(self.scores)


def lms_rows(assignments: Sequence[Assignment], results: list[StudentResult], match: Match) -> list[LmsRow]:
    """Every roster student in roster order: their grades, or 0 and a note when they handed in nothing."""
    by_id = {r.student: r for r in results}
    rows = [LmsRow(e, tuple(0.0 for _ in assignments), NO_SUBMISSION) for e in match.missing]
    for entry, sid in match.pairs:
        graded = {a.assignment_id: a for a in by_id[sid].assignments}
        scores = tuple(graded[a.id].score if a.id in graded else 0.0 for a in assignments)
        absent = [a.id for a in assignments if a.id not in graded or not graded[a.id].handed_in]
        rows.append(LmsRow(entry, scores, f"not handed in: {', '.join(absent)}" if absent else ""))
    return sorted(rows, key=lambda r: r.student.row)


def parse_canvas_ids(pairs: Sequence[str], assignments: Sequence[Assignment]) -> dict[str, str]:
    """`--canvas-id ID=NUMBER` options as {assignment id: Canvas assignment id}."""
    known = {a.id for a in assignments}
    ids = {}
    for pair in pairs:
        aid, _, number = pair.partition("=")
        if aid not in known or not re.fullmatch(r"[0-9]+", number):
            raise UsageError(f"--canvas-id {pair!r}: expected ASSIGNMENT=NUMBER, e.g. {sorted(known)[0]}=12345 "
                             f"(the number is in the assignment's Canvas address, /assignments/NUMBER)")
        ids[aid] = number
    return ids


def to_canvas(assignments: Sequence[Assignment], rows: list[LmsRow], canvas_ids: dict[str, str]) -> str:
    """Canvas's gradebook import CSV: the header, the Points Possible row, one row per student."""
    titles = [f"{a.title} ({canvas_ids[a.id]})" if a.id in canvas_ids else a.title for a in assignments]
    lines: list[list[str]] = [[*CANVAS_HEADER, *titles, CANVAS_TOTAL],
                              [CANVAS_POINTS_ROW, "", "", "", "", *(_number(a.points) for a in assignments),
                               "(read only)"]]
    for r in rows:
        s = r.student
        lines.append([*_text(_not_points_row(s.name), s.canvas_id, s.sis_id, s.login_id, s.section),
                      *map(_number, r.scores), _number(r.total)])
    return _csv(lines)


def moodle_key(roster: Roster) -> tuple[str, str, str]:
    """The roster field, export column and Moodle "Map to" that identify every student."""
    for field, column, map_to in MOODLE_KEYS:
        if all(getattr(e, field) for e in roster.entries):
            return field, column, map_to
    gaps = "; ".join(f"{f}: row {next(e.row for e in roster.entries if not getattr(e, f))}" for f, _, _ in MOODLE_KEYS)
    raise UsageError(f"{roster.path}: Moodle finds every student by one column, and none of email, sis_id, "
                     f"login_id is filled for all of them (first gaps: {gaps})")


def to_moodle(assignments: Sequence[Assignment], rows: list[LmsRow]) -> str:
    """Moodle's CSV grade import: identity columns, one column per assignment, Total, Notes."""
    lines = [["Name", *(column for _, column, _ in MOODLE_KEYS), *(a.title for a in assignments), "Total", "Notes"]]
    for r in rows:
        s = r.student
        lines.append([*_text(s.name, s.email, s.sis_id, s.login_id), *map(_number, r.scores),
                      _number(r.total), *_text(r.note)])
    return _csv(lines)


def _not_points_row(name: str) -> str:
    """A student's name that Canvas cannot take for the Points Possible row (a display name
    is the student's to choose; their row would set every assignment's points). Canvas finds
    the student by the ID columns, so the name cell may change."""
    return re.sub(r"(?i)points\s+possible", "Points-Possible", name)


def _text(*cells: str) -> list[str]:
    return [spreadsheet_safe(c) for c in cells]


def _number(value: float) -> str:
    """Points with at most two decimals, as both LMSs show them: 7.5, 10, 3.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _csv(lines: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()
