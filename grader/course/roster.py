"""The class roster: which LMS student each submission belongs to (issue 19, item 4).

roster.csv is written by the instructor, often from an LMS export opened in a
spreadsheet, so it is read forgivingly where that is safe (a UTF-8 byte-order mark,
headers in any case, blank lines) and refused, with the file, row and column, where
a guess could put a grade on the wrong student. Header (README, "Grades for an LMS"):

    submission,name,email,sis_id,login_id,canvas_id,section

`submission` names the student's entry in SUBMISSIONS as `grader grade` does (the
folder, or the .zip with or without `.zip`); it is compared the way `grade` makes ids,
ignoring case. `submission` and `name` are required; every row needs at least one of
email, sis_id, login_id or canvas_id, the fields an LMS finds a student by.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from grader.course.submission import safe_name
from grader.errors import UsageError

REQUIRED = ("submission", "name")
IDENTITIES = ("email", "sis_id", "login_id", "canvas_id")
COLUMNS = (*REQUIRED, *IDENTITIES, "section")
MAX_BYTES = 16 * 2**20  # a roster of 100,000 students is ~10 MiB; more is not a roster

# Control characters (tabs and line breaks in a cell included), bidirectional overrides
# and isolates (they make a name read differently from what it is), a stray BOM.
_STRANGE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster: their submission's name and their LMS identity."""

    row: int  # the line of roster.csv it came from (the header is line 1)
    submission: str
    name: str
    email: str = ""
    sis_id: str = ""
    login_id: str = ""
    canvas_id: str = ""
    section: str = ""

    @property
    def label(self) -> str:
        """How the instructor finds this student again: the name and the first identity."""
        ident = next((getattr(self, f) for f in IDENTITIES if getattr(self, f)), "")
        return f"{self.name} <{ident}> (roster row {self.row})"


class Match(NamedTuple):
    """A roster against the graded ids: pairs, roster students without work, work without a student."""

    pairs: list[tuple[RosterEntry, str]]  # in roster order
    missing: list[RosterEntry]
    unknown: list[str]  # sorted


def submission_key(name: str) -> str:
    """The id `grader grade` gives entry `name` (folder or zip), ignoring case."""
    stem = name[:-4] if name.lower().endswith(".zip") else name
    return safe_name(stem).lower()


@dataclass(frozen=True)
class Roster:
    """The students of roster.csv, found by submission or by any LMS identity."""

    path: Path
    entries: tuple[RosterEntry, ...]

    def by_submission(self, student_id: str) -> RosterEntry | None:
        """The roster student whose submission `grade` graded as `student_id`."""
        key = submission_key(student_id)
        return next((e for e in self.entries if submission_key(e.submission) == key), None)

    def by_identity(self, value: str) -> RosterEntry | None:
        """The roster student with this email, SIS id, login id or Canvas id (email ignoring case)."""
        for e in self.entries:
            if value and (value in (e.sis_id, e.login_id, e.canvas_id) or value.lower() == e.email.lower()):
                return e
        return None

    def match(self, student_ids: Iterable[str]) -> Match:
        """Pair each roster student with their graded id; list who is on one side only."""
        by_key = {submission_key(s): s for s in student_ids}
        pairs, missing = [], []
        for e in self.entries:
            sid = by_key.pop(submission_key(e.submission), None)
            if sid is None:
                missing.append(e)
            else:
                pairs.append((e, sid))
        return Match(pairs, missing, sorted(by_key.values()))


def load_roster(path: Path) -> Roster:
    """Read and check roster.csv; any problem is one UsageError naming the file, row and column."""
    rows = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = next(rows, None)
        if header is None or not any(h.strip() for h in header):
            raise UsageError(f"{path}: the roster is empty; its first line is the header: {','.join(COLUMNS)}")
        columns = _columns(path, header)
        entries = [_entry(path, rows.line_num, columns, cells) for cells in rows if any(c.strip() for c in cells)]
    except csv.Error as exc:  # a quote left open, a NUL byte
        raise UsageError(f"{path}, row {rows.line_num}: not valid CSV ({exc})") from None
    if not entries:
        raise UsageError(f"{path}: the roster has a header but no students")
    _refuse_duplicates(path, entries)
    return Roster(path, tuple(entries))


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the roster ({exc.strerror})") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"{path}: over {MAX_BYTES // 2**20} MiB, too big to be a roster")
    try:
        return data.decode("utf-8-sig")  # spreadsheets save UTF-8 with a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UsageError(f"{path}, row {line}: not UTF-8 text (save the roster as 'CSV UTF-8')") from None


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    """Each known column's position; an unknown, repeated or missing column is an error."""
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().lower()
        where = f"{path}, row 1, column {i + 1}"
        if name not in COLUMNS:
            raise UsageError(f"{where}: unknown column {raw!r} (the roster's columns: {', '.join(COLUMNS)})")
        if name in columns:
            raise UsageError(f"{where}: column {name!r} appears twice")
        columns[name] = i
    for name in REQUIRED:
        if name not in columns:
            raise UsageError(f"{path}, row 1: missing column {name!r} (the header: {','.join(COLUMNS)})")
    if not any(name in columns for name in IDENTITIES):
        raise UsageError(f"{path}, row 1: no column an LMS finds students by: add one of {', '.join(IDENTITIES)}")
    return columns


def _entry(path: Path, row: int, columns: dict[str, int], cells: list[str]) -> RosterEntry:
    if len(cells) > len(columns):
        raise UsageError(f"{path}, row {row}: {len(cells)} cells for {len(columns)} columns (a comma too many?)")
    values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
    for name, value in values.items():
        if _STRANGE.search(value):
            raise UsageError(f"{path}, row {row}, column {name}: a control or direction-changing character "
                             f"in {value!r}: retype the cell")
    for name in REQUIRED:
        if not values[name]:
            raise UsageError(f"{path}, row {row}, column {name}: empty; every student needs a {name}")
    if "/" in values["submission"] or "\\" in values["submission"]:
        raise UsageError(f"{path}, row {row}, column submission: {values['submission']!r} is a path; "
                         f"give the name of the student's folder or .zip in SUBMISSIONS")
    if not any(values.get(name) for name in IDENTITIES):
        raise UsageError(f"{path}, row {row}: no LMS identity for {values['name']!r}: "
                         f"fill one of {', '.join(n for n in IDENTITIES if n in columns)}")
    return RosterEntry(row=row, **values)


def _refuse_duplicates(path: Path, entries: list[RosterEntry]) -> None:
    """Two rows for one submission, or one identity on two students, would misplace a grade."""
    keys: list[tuple[str, Callable[[str], str]]] = [("submission", submission_key), ("email", str.lower),
                                                    *((n, str.strip) for n in IDENTITIES[1:])]
    for name, key in keys:
        seen: dict[str, RosterEntry] = {}
        for e in entries:
            value = getattr(e, name)
            if not value:
                continue
            first = seen.setdefault(key(value), e)
            if first is not e:
                raise UsageError(f"{path}, row {e.row}, column {name}: {value!r} is also row {first.row}'s "
                                 f"({getattr(first, name)!r}); each student appears once")
