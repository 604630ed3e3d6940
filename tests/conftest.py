"""Shared fixtures: one fork server for the whole test session and graders over it.
Helpers the tests import are in helpers.py."""
from __future__ import annotations

import pytest
from helpers import ROOT

from grader.course.catalogue import Course, load_course
from grader.engine.forkclient import ForkServer
from grader.engine.grading import Grader
from grader.engine.spawnclient import SpawnStarter

# Short time limits, for submissions that hang on purpose (both engines).
FAST_LIMITS = {"import_timeout": 2.0, "call_timeout": 2.0}


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
    with Grader(course, server, limits=FAST_LIMITS,
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
    with Grader(course, spawn_server, limits=FAST_LIMITS,
                expected_values=fork_grader.expected_values) as g:
        yield g
