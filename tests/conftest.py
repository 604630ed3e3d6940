"""Shared fixtures: one fork server for the whole test session, and ways to grade a source."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from grader.catalogue import Course, load_course
from grader.forkserver import ForkServer
from grader.grading import Grader, Target
from grader.results import AssignmentResult
from grader.submission import SubmissionFile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT)


@pytest.fixture(scope="session")
def server():
    with ForkServer() as fs:
        yield fs


@pytest.fixture(scope="session")
def grader(course, server):
    with Grader(course, server) as g:
        yield g


@pytest.fixture(scope="session")
def fast_grader(course, server, grader):
    """Short time limits, for submissions that hang on purpose; shares the expected values."""
    with Grader(course, server, limits={"import_timeout": 2.0, "call_timeout": 2.0},
                expected_values=grader.expected_values) as g:
        yield g


def grade_source(grader: Grader, assignment_id: str, source: str | bytes, name: str | None = None) -> AssignmentResult:
    """Grade one file's content as a submission for one assignment."""
    a = grader.course.get(assignment_id)
    data = source.encode() if isinstance(source, str) else source
    result, = grader.grade(a, [Target("t", SubmissionFile(name or f"{assignment_id}.py", data))])
    return result


def modes_under(umask: int, root: Path) -> dict[str, tuple[int, int]]:
    """Each file's and folder's permission bits under `root`, with what the umask allows."""
    return {p.relative_to(root).as_posix(): (stat.S_IMODE(p.stat().st_mode), (0o777 if p.is_dir() else 0o666) & ~umask)
            for p in [root, *root.rglob("*")]}


from grader.validation import failed_checks  # noqa: E402,F401 - re-exported for the tests
