"""Expected values of a checkout kept on disk between commands (issue 20): a second
`grader check` reads the reference's answers instead of running the reference and its
mutants again.

A file is keyed by the hash of everything its values come from: the reference, the
probes, the checks, the mutants, assignment.toml, the hidden-input key, the grader's own
code and torch's version. Anything changed gives another key, so a stale file is never
read; a file that cannot be read is ignored and written again. The files hold hidden
checks' answers: they are the user's alone (0600 in a 0700 folder), in the user's cache
folder, which workers never see (home folders are hidden from them).
"""
from __future__ import annotations

import binascii
import hashlib
import os
from pathlib import Path

from grader.course.catalogue import Assignment, Course
from grader.engine.fingerprint import digest, file_parts, grader_parts
from grader.engine.handles import load_store, save_store
from grader.files import write_atomic

CACHE_ENV = "GRADER_CACHE_DIR"


def cache_dir() -> Path:
    """$GRADER_CACHE_DIR, else $XDG_CACHE_HOME/grader, else ~/.cache/grader (XDG's default)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader"


def cache_key(course: Course, assignment: Assignment, include_hidden: bool) -> str:
    """A hash of everything the assignment's expected values are computed from."""
    files = [course.reference_dir / f"{assignment.id}.py", assignment.folder / "assignment.toml",
             assignment.probes, assignment.public_checks, *assignment.mutants]
    if include_hidden:
        files.append(assignment.hidden_checks)
    parts = [b"grader.expected-cache/2", *grader_parts(), course.hidden_key(assignment.id), bytes([include_hidden])]
    for path in files:
        parts += file_parts(path.name, path)
    return digest(parts)


def cache_path(course: Course, assignment: Assignment, include_hidden: bool) -> Path:
    """Where the assignment's expected values are kept: one file per course and assignment."""
    course_id = hashlib.sha256(str(course.root).encode()).hexdigest()[:12]
    return cache_dir() / "expected" / f"{course_id}-{assignment.id}-{cache_key(course, assignment, include_hidden)}.json"


def load_cached(path: Path) -> dict[str, bytes] | None:
    """The stored values, or None when there are none or they cannot be read (then they are rebuilt)."""
    try:
        return load_store(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None


def save_cached(path: Path, store: dict[str, bytes]) -> None:
    """Keep the values for the next command, replacing older keys of the same assignment; a
    folder that cannot be written only means the next command computes them again."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(f"{prefix}*.json"):
            old.unlink(missing_ok=True)
        write_atomic(path, save_store(store), private=True)
    except OSError:
        return
