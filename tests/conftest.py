"""Shared fixtures: one fork server for the whole test session and graders over it.
Helpers the tests import are in helpers.py."""
from __future__ import annotations

import pytest
from helpers import ROOT

from grader.course.catalogue import Course, load_course
from grader.engine.forkclient import ForkServer
from grader.engine.grading import Grader


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
