"""Find and read submissions: one entry per student, a folder or a .zip of one.

Only the files the assignments name (`ID.py`, `ID.ipynb`) are read, at the top of
the entry or one folder down; nothing is extracted to disk. Links, paths outside the
archive and archives too big or too many-membered are refused with a reason.
"""
from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from grader.errors import UsageError
from grader.wire.boundary import one_line

if TYPE_CHECKING:
    from grader.course.catalogue import Assignment, Course

MAX_FILE_BYTES = 8 * 2**20
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 200 * 2**20
SUFFIXES = (".py", ".ipynb")  # preference order when a student has both


@dataclass(frozen=True)
class SubmissionFile:
    """One file a student handed in for an assignment: its name and its bytes."""
    name: str  # e.g. "tensor_creation.py"
    data: bytes


@dataclass(frozen=True)
class Submission:
    """What one student handed in: a file per assignment, and notes on what was skipped."""
    student: str
    files: dict[str, SubmissionFile] = field(default_factory=dict)  # by assignment id
    problems: dict[str, str] = field(default_factory=dict)  # assignment id -> why not gradable
    problem: str | None = None  # the whole entry is unreadable
    notes: dict[str, str] = field(default_factory=dict)


def safe_name(name: str) -> str:
    """A student id usable as a folder name: no separators, no leading or trailing dot."""
    # Composed first: macOS writes "José" as e + U+0301, a spreadsheet (the roster) as é,
    # and both must give the same id.
    text = re.sub(r"[^A-Za-z0-9._-]", "_", unicodedata.normalize("NFC", name)).strip(".") or "student"
    return text[:100]


# Entries that archivers and file browsers leave behind: never a student (lower case).
SYSTEM_ENTRIES = {"__macosx": "macOS archive metadata", ".ds_store": "macOS folder metadata",
                  "thumbs.db": "Windows thumbnail cache", "desktop.ini": "Windows folder settings"}


class Entries(NamedTuple):
    """What SUBMISSIONS holds: the students as (id, path) sorted by id, and what to tell the instructor."""

    students: list[tuple[str, Path]]
    skipped: list[str]  # "NAME: why it is not a student"
    renamed: list[str]  # "NAME graded as ID: why"


def list_entries(root: Path, reserved: Iterable[str] = ()) -> Entries:
    """The students in SUBMISSIONS, each with an id no other student and no `reserved`
    name shares, ignoring case (macOS and Windows folders ignore it too)."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder: SUBMISSIONS holds one folder or .zip per student")
    reserved_ids = {r.lower() for r in reserved}
    taken: set[str] = set()
    entries: dict[str, Path] = {}
    skipped, renamed = [], []
    for path in sorted(root.iterdir()):
        reason = _not_a_student(path)
        if reason:
            skipped.append(f"{one_line(path.name)}: {reason}")
            continue
        wanted = safe_name(path.name if path.is_dir() else path.stem)
        sid, why = _unique_id(wanted, reserved_ids, taken)
        if why:
            renamed.append(f"{one_line(path.name)} graded as {sid}: {why}")
        taken.add(sid.lower())
        entries[sid] = path
    if not entries:
        raise UsageError(f"{root} holds no submissions (one folder or .zip per student)")
    return Entries(sorted(entries.items()), skipped, renamed)


def _not_a_student(path: Path) -> str | None:
    """Why this entry of SUBMISSIONS is not a student's submission, or None if it is one."""
    name = path.name.lower()
    if name in SYSTEM_ENTRIES:
        return SYSTEM_ENTRIES[name]
    if name.startswith("."):
        return "a hidden entry (its name starts with '.')"
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link, not followed"
    if stat.S_ISDIR(info.st_mode) or (stat.S_ISREG(info.st_mode) and name.endswith(".zip")):
        return None
    return "not a folder or a .zip"


def _unique_id(wanted: str, reserved: set[str], taken: set[str]) -> tuple[str, str | None]:
    """`wanted`, or a variant of it free of the reserved names and of the ids taken (any case)."""
    if wanted.lower() in reserved:
        base, why = f"{wanted}-student", "its name is one of the batch's own output files"
    elif wanted.lower() in taken:
        base, why = wanted, "another student has the same name (ignoring case and unusual characters)"
    else:
        return wanted, None
    sid, n = base, 2
    while sid.lower() in taken or sid.lower() in reserved:
        sid, n = f"{base}-{n}", n + 1
    return sid, why


Stubs = dict[str, dict[str, bytes]]  # assignment id -> {".py": bytes, ".ipynb": bytes} as shipped


def read_submission(student: str, path: Path, assignment_ids: list[str], stubs: Stubs | None = None) -> Submission:
    """Read a student's files. With both ID.py and ID.ipynb, the .py is graded, unless it
    is still the shipped stub and the notebook is not (the report says which)."""
    try:
        if path.is_dir():
            return _read(student, _FolderSource(path), assignment_ids, stubs or {})
        with zipfile.ZipFile(path) as archive:
            return _read(student, _ZipSource(archive, one_line(path.name)), assignment_ids, stubs or {})
    except _Refused as exc:
        return Submission(student, problem=str(exc))
    except Exception:  # noqa: BLE001 - any broken archive or folder (bad names, bad data: zlib, Unicode) is one student's problem
        what = "folder" if path.is_dir() else "zip archive"
        return Submission(student, problem=f"{one_line(path.name)} is not a readable {what}")


class _Refused(Exception):
    pass


class _FolderSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs = [""] + sorted(p.name for p in root.iterdir()
                                  if not p.name.startswith(".") and p.is_dir() and not p.is_symlink())

    def read(self, rel: str) -> bytes | None:
        path = self.root / rel
        try:
            info = path.lstat()
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise _Refused(f"{one_line(rel)} is a symbolic link: only regular files are accepted")
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(f"{one_line(rel)} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Refused(f"{one_line(rel)} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        return path.read_bytes()


class _ZipSource:
    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _Refused(f"{label} has {len(members)} entries (at most {MAX_ZIP_MEMBERS})")
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise _Refused(f"{label} unpacks to more than {MAX_ZIP_BYTES // 2**20} MiB")
        self.archive = archive
        self.members: dict[str, zipfile.ZipInfo] = {}
        for m in members:
            name = m.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise _Refused(f"{label}: member {one_line(m.filename)!r} points outside the archive")
            if stat.S_ISLNK(m.external_attr >> 16):
                raise _Refused(f"{label}: member {one_line(m.filename)!r} is a symbolic link")
            if not m.is_dir():
                self.members["/".join(parts)] = m
        tops = {PurePosixPath(n).parts[0] for n in self.members if len(PurePosixPath(n).parts) > 1}
        self.dirs = [""] + sorted(t for t in tops if not t.startswith(("__MACOSX", ".")))

    def read(self, rel: str) -> bytes | None:
        info = self.members.get(rel)
        if info is None:
            return None
        with self.archive.open(info) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # trust no header: count what inflates
        if len(data) > MAX_FILE_BYTES:
            raise _Refused(f"{one_line(rel)} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        return data


def not_handed_in(assignment_id: str) -> str:
    """The problem recorded for an assignment a student has no file for."""
    return f"not handed in (no {assignment_id}.py or {assignment_id}.ipynb)"


def _read(student: str, source: _FolderSource | _ZipSource, assignment_ids: list[str], stubs: Stubs) -> Submission:
    files: dict[str, SubmissionFile] = {}
    problems: dict[str, str] = {}
    notes: dict[str, str] = {}
    for aid in assignment_ids:
        found: list[SubmissionFile] = []
        for suffix in SUFFIXES:
            for d in source.dirs:
                rel = f"{d}/{aid}{suffix}" if d else f"{aid}{suffix}"
                try:
                    data = source.read(rel)
                except _Refused as exc:
                    problems[aid] = str(exc)
                    break
                if data is not None:
                    found.append(SubmissionFile(f"{aid}{suffix}", data))
                    break
        if found and aid not in problems:
            files[aid] = found[0]
            if len(found) > 1:
                py, nb = found
                shipped = stubs.get(aid, {})
                py_is_stub, nb_is_stub = py.data == shipped.get(".py"), nb.data == shipped.get(".ipynb")
                if py_is_stub and not nb_is_stub:
                    files[aid] = nb
                    notes[aid] = f"{py.name} is the unchanged stub, so {nb.name} was graded"
                elif not nb_is_stub:
                    notes[aid] = f"both {py.name} and {nb.name} were submitted: {py.name} was graded"
        elif aid not in problems:
            problems[aid] = not_handed_in(aid)
    return Submission(student, files, problems, None, notes)


def files_of(assignments: Iterable[Assignment]) -> set[str]:
    """The file names a student may hand each assignment in as."""
    return {f"{a.id}{s}" for a in assignments for s in SUFFIXES}


def assignments_here(course: Course, folder: Path, ids: tuple[str, ...] = (), suggestion: str = "") -> tuple[Assignment, ...]:
    """The named assignments, or else every one with a file in `folder` (a UsageError if none)."""
    if ids:
        return course.select(ids)
    present = {p.name for p in folder.iterdir()}
    found = tuple(a for a in course.assignments if files_of([a]) & present)
    if not found:
        raise UsageError(f"no assignment files in {folder} (expected e.g. {course.assignments[0].id}.py)"
                         + (f"; {suggestion}" if suggestion else ""))
    return found
