"""The naive way, for comparison only: a pytest plugin that imports the student's module
and the reference into the test process itself (fresh per submission, as an autograder
that runs `python -m pytest` per student does). NAIVE_STUDENT and NAIVE_ASSIGNMENT say what.
"""
import os
from pathlib import Path

import pytest
from direct import DirectHandle

from grader.course.catalogue import load_course


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points")


@pytest.fixture(scope="session")
def _assignment():
    return load_course(Path(__file__).resolve().parent.parent).get(os.environ["NAIVE_ASSIGNMENT"])


@pytest.fixture(scope="session")
def student(_assignment):
    return DirectHandle(Path(os.environ["NAIVE_STUDENT"]), _assignment)


@pytest.fixture(scope="session")
def expected(_assignment):
    return DirectHandle(_assignment.folder.parent.parent / "reference" / f"{_assignment.id}.py", _assignment)
