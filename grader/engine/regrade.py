"""Re-grade only what changed (issue 19): `grader grade` run again on the same --out DIR.

DIR/.grader-cache/ keeps, in fingerprints.json, a fingerprint of the course as graded
(every file of the assignments graded, the grader, torch, Python, the machine's GPUs,
the limits, the selection) and, per student, a fingerprint of the submission as read and
of the results.json written for it. A student is graded again when their fingerprint
changed, when their results.json is not the one written, or when the course's changed;
everyone else keeps their results. A cache that is missing, unreadable or of another
schema means a full grade.

The cache also keeps the reference's recorded answers (expected values and known
mistakes, in expected/<id>.json, each under its digest): recording them costs as much as
grading several students (xor trains networks), so a re-grade after one change would
otherwise cost far more than that one student. They include the hidden checks' answers,
so the cache folder is for its owner alone (0700), unlike the outputs;
workers never see DIR. The folder's name starts with a dot, so no student folder can
take it (grader/course/submission.py skips dot entries).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.course.catalogue import Assignment, Course
from grader.course.submission import Submission
from grader.engine.fingerprint import digest, file_parts, grader_parts
from grader.engine.handles import load_store, save_store
from grader.files import write_atomic
from grader.reports import gradescope
from grader.results import StudentResult

CACHE = ".grader-cache"  # a folder in DIR
FINGERPRINTS, EXPECTED = "fingerprints.json", "expected"
SCHEMA = "grader.regrade/1"
Stores = dict[str, dict[str, bytes]]  # the reference's recorded answers, per assignment id
GRADEBOOK, STUDENT_RESULTS = "grades.csv", "results.json"  # as grader/reports/outputs.py names them


@dataclass(frozen=True)
class Plan:
    """Which students to grade now, the results kept for the rest, and why all are graded (if so)."""

    to_grade: list[Submission]
    kept: list[StudentResult] = field(default_factory=list)
    reason: str | None = None  # why every student is graded although DIR's cache exists
    expected: Stores = field(default_factory=dict)  # recorded answers kept from the last run

    def summary(self) -> str:
        """The line the command prints: how many were graded again."""
        total = len(self.to_grade) + len(self.kept)
        return f"Re-graded {len(self.to_grade)} of {total} students ({len(self.kept)} unchanged)"


def _assignment_parts(course: Course, a: Assignment) -> list[bytes]:
    """Every file grading reads for one assignment: its folder (toml, checks, probes, mutants),
    the reference, stored expected values, the stubs (they decide which of ID.py/ID.ipynb is
    graded), and the key its hidden inputs are drawn from (the course secret, hashed)."""
    parts = [a.id.encode(), course.hidden_key(a.id)]
    for path in sorted(p for p in a.folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        parts += file_parts(path.relative_to(a.folder).as_posix(), path)
    parts += file_parts("reference", course.reference_dir / f"{a.id}.py")
    parts += file_parts("expected", course.root / "expected" / f"{a.id}.json")
    for suffix in (".py", ".ipynb"):
        parts += file_parts(f"stub{suffix}", course.template_dir / f"{a.id}{suffix}")
    return parts


def course_fingerprint(course: Course, assignments: Iterable[Assignment], limits: dict[str, float],
                       include_hidden: bool = True) -> str:
    """A fingerprint of everything but the submissions that decides a grade."""
    parts = list(grader_parts())
    parts.append(json.dumps({"limits": limits, "hidden": include_hidden}, sort_keys=True).encode())
    for a in assignments:  # in the order given: the selection is part of it
        parts += _assignment_parts(course, a)
    return digest(parts)


def submission_fingerprint(sub: Submission) -> str:
    """A fingerprint of a submission as read: the file graded per assignment and why any is not."""
    described = {"problem": sub.problem, "problems": sub.problems, "notes": sub.notes,
                 "files": {aid: f.name for aid, f in sub.files.items()}}
    parts = [json.dumps(described, sort_keys=True).encode()]
    for aid in sorted(sub.files):
        parts.append(sub.files[aid].data)
    return digest(parts)


def _sha256(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def _read_cache(out: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The cache and None, or None and why it cannot be used (None, None: no earlier run)."""
    path = out / CACHE / FINGERPRINTS
    if not path.exists():  # a folder graded before, by a grader that kept no cache, is said so
        return None, f"{path} is missing" if (out / GRADEBOOK).exists() else None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"{path} is unreadable ({type(exc).__name__})"
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("students"), dict):
        return None, f"{path} is not a cache this grader wrote"
    return data, None


def _kept_result(out: Path, student: str, entry: object, wanted: str, ids: list[str]) -> StudentResult | None:
    """The stored result of an unchanged student, or None when it must be graded again."""
    if not isinstance(entry, dict) or entry.get("submission") != wanted:
        return None
    try:
        text = (out / student / STUDENT_RESULTS).read_bytes()
        if _sha256(text) != entry.get("results"):
            return None  # rewritten or damaged since: not the result we recorded
        result = gradescope.from_results_json(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if result.student != student or [a.assignment_id for a in result.assignments] != ids:
        return None
    return result


def _kept_expected(out: Path, digests: object, assignment_ids: list[str]) -> Stores:
    """The recorded answers whose files are as written last time; any other is recorded again."""
    kept: Stores = {}
    for aid in assignment_ids:
        digest = digests.get(aid) if isinstance(digests, dict) else None
        try:
            text = (out / CACHE / EXPECTED / f"{aid}.json").read_bytes()
            if digest is not None and _sha256(text) == digest:
                kept[aid] = load_store(text.decode("utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return kept


def plan(out: Path, course_hash: str, submissions: list[Submission], assignment_ids: list[str],
         fresh: bool = False) -> Plan:
    """Split the class into students to grade and results to keep, from DIR's cache."""
    if fresh:
        return Plan(list(submissions))
    cache, problem = _read_cache(out)
    if cache is None:
        return Plan(list(submissions), reason=problem)
    if cache.get("course") != course_hash:
        return Plan(list(submissions), reason="the course, the grader, torch, the machine or --assignment changed")
    expected = _kept_expected(out, cache.get("expected"), assignment_ids)
    to_grade: list[Submission] = []
    kept: list[StudentResult] = []
    for sub in submissions:
        result = _kept_result(out, sub.student, cache["students"].get(sub.student),
                              submission_fingerprint(sub), assignment_ids)
        if result is None:
            to_grade.append(sub)
        else:
            kept.append(result)
    return Plan(to_grade, kept, expected=expected)


def save(out: Path, course_hash: str, submissions: list[Submission], results: list[StudentResult],
         expected: Stores) -> list[str]:
    """Record this run's fingerprints and recorded answers (last, after every output);
    return what could not be written.

    Only a student whose DIR/<student>/results.json holds exactly their result is recorded:
    one whose file could not be written (a full disk) is graded again next time.
    """
    by_student = {r.student: r for r in results}
    students: dict[str, dict[str, str]] = {}
    for sub in submissions:
        written = gradescope.dumps(by_student[sub.student]).encode("utf-8", "surrogatepass")
        try:
            if (out / sub.student / STUDENT_RESULTS).read_bytes() != written:
                continue
        except OSError:
            continue
        students[sub.student] = {"submission": submission_fingerprint(sub), "results": _sha256(written)}
    try:
        digests = _save_expected(out / CACHE / EXPECTED, expected)
        data = {"schema": SCHEMA, "course": course_hash, "students": students, "expected": digests}
        write_atomic(out / CACHE / FINGERPRINTS, json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        return [f"{out / CACHE}: {type(exc).__name__}: {exc} (the next run grades everyone)"]
    return []


def _save_expected(folder: Path, expected: Stores) -> dict[str, str]:
    """Write each assignment's recorded answers for the owner alone; return their digests."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.parent, 0o700)  # hidden checks' answers: not for a TA's or a web server's eyes
    digests = {}
    for aid, store in expected.items():
        text = save_store(store)
        write_atomic(folder / f"{aid}.json", text, private=True)
        digests[aid] = _sha256(text.encode("utf-8"))
    return digests
