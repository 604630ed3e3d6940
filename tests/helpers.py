"""What tests share besides fixtures: where the course is, and grading one source."""
from __future__ import annotations

import stat
from pathlib import Path

from grader.course.submission import SubmissionFile
from grader.engine.grading import Grader, Target
from grader.engine.validation import failed_checks
from grader.results import AssignmentResult

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

__all__ = ["FIXTURES", "ROOT", "failed_checks", "grade_source", "modes_under"]


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
