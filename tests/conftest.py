"""Shared fixtures: one fork server for the whole test session, and ways to grade a source."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.catalogue import Course, load_course
from grader.engine.forkclient import ForkServer
from grader.engine.spawnclient import SpawnStarter
from grader.engine.grading import Grader, Target
from grader.results import AssignmentResult
from grader.course.submission import SubmissionFile

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
def fork_grader(course, server):
    with Grader(course, server) as g:
        yield g


@pytest.fixture(scope="session")
def grader(fork_grader):
    """The fork engine's grader (tests that run through both engines override this name)."""
    return fork_grader


@pytest.fixture(scope="session")
def fast_grader(course, server, fork_grader):
    """Short time limits, for submissions that hang on purpose; shares the expected values."""
    with Grader(course, server, limits={"import_timeout": 2.0, "call_timeout": 2.0},
                expected_values=fork_grader.expected_values) as g:
        yield g


@pytest.fixture(scope="session")
def spawn_server():
    """The spawn engine (a fresh interpreter per worker), for tests run through both engines."""
    with SpawnStarter() as starter:
        yield starter


@pytest.fixture(scope="session")
def spawn_grader(course, spawn_server, fork_grader):
    with Grader(course, spawn_server, expected_values=fork_grader.expected_values) as g:
        yield g


@pytest.fixture(scope="session")
def spawn_fast_grader(course, spawn_server, fork_grader):
    with Grader(course, spawn_server, limits={"import_timeout": 2.0, "call_timeout": 2.0},
                expected_values=fork_grader.expected_values) as g:
        yield g


def grade_source(grader: Grader, assignment_id: str, source: str | bytes, name: str | None = None) -> AssignmentResult:
    """Grade one file's content as a submission for one assignment."""
    a = grader.course.get(assignment_id)
    data = source.encode() if isinstance(source, str) else source
    result, = grader.grade(a, [Target("t", SubmissionFile(name or f"{assignment_id}.py", data))])
    return result


from grader.engine.validation import failed_checks  # noqa: E402,F401 - re-exported for the tests
