"""Grade one Gradescope submission: what `run_autograder` runs (`grader gradescope-run`).

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/) puts the
student's files in /autograder/submission under the names they uploaded, and shows the
student only /autograder/results/results.json. So: files named for an assignment
(`ID.py`, `ID.ipynb`, at the top or one folder down) are read as `grader grade` reads
them; a lone .py or .ipynb of any other name is that assignment when the course has only
one; whatever else is said in results.json's output. Grading is the usual engine (fork
server, sandbox, hidden checks included). A failure of the grader itself still writes a
results.json, score 0 and the reason, because Gradescope shows nothing without one.
"""
from __future__ import annotations

import json
import stat
import time
import traceback
from pathlib import Path
from typing import Any

from grader.course.catalogue import Course, load_bundle
from grader.course.submission import MAX_FILE_BYTES, SUFFIXES, Submission, SubmissionFile, read_submission
from grader.engine.gradescope_build import COURSE
from grader.engine.grading import Grader, targets_for
from grader.engine.starters import start_engine
from grader.errors import UsageError
from grader.files import write_atomic
from grader.reports import gradescope
from grader.results import StudentResult
from grader.tempdirs import private_tempdir
from grader.wire.boundary import one_line

STUDENT = "submission"  # Gradescope grades one submission per run; its folder's name
LISTED = 10  # file names a note lists before "and N more": 10,000 files must not make a 100 kB note


def run_autograder(source: Path, submission: Path, results: Path) -> int:
    """Grade `submission` against the course in `source`, write `results`/results.json; the exit status."""
    started = time.monotonic()
    try:
        with private_tempdir():
            result = grade_submission(load_bundle(source / COURSE), submission, hide=(source, results))
        data = gradescope.to_results_json(result)
        # Gradescope shows students the top-level output, not extra_data: say there which file was graded.
        said = [*result.notes, *(note for a in result.assignments for note in a.notes)]
        data["output"] = "\n".join([*said, data["output"]])
        status = 0
        print(f"Score {result.score:g}/{result.max_score:g}")
    except Exception as exc:  # noqa: BLE001 - whatever stops the grader, the student must see a result and why
        traceback.print_exc()  # run_autograder's stdout: the instructor's view
        data = failure_json(exc, time.monotonic() - started)
        status = 1
    write_atomic(results / "results.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return status


def grade_submission(course: Course, folder: Path, hide: tuple[Path, ...]) -> StudentResult:
    """Every assignment of the course on the files in `folder`; its notes say how files were matched."""
    started = time.monotonic()
    with start_engine() as server:  # the fork server imports torch while this process reads the files
        sub, notes = read_gradescope_submission(folder, course)
        with Grader(course, server, include_hidden=True, hide=(folder.resolve(), *hide)) as grader:
            graded = tuple(grader.grade(a, targets_for(a, [sub]))[0] for a in course.assignments)
    return StudentResult(STUDENT, graded, seconds=time.monotonic() - started, notes=tuple(notes))


def read_gradescope_submission(folder: Path, course: Course) -> tuple[Submission, list[str]]:
    """The files by assignment (named ID.py / ID.ipynb, or a lone file in a one-assignment course),
    and lines telling the student about files that were not graded."""
    if not folder.is_dir():
        raise UsageError(f"no submission folder at {folder}")
    ids = [a.id for a in course.assignments]
    sub = read_submission(STUDENT, folder, ids, course.stubs())
    found = code_files(folder)
    if sub.problem or any(Path(f).stem in ids for f in found):  # named files: `grader grade`'s rules
        return sub, _unmatched(found, sub, ids)
    if len(ids) == 1 and len(found) == 1:
        return _as_assignment(folder, found[0], ids[0]), []
    expected = ", ".join(f"{i}.py" for i in ids)
    if not found:
        return sub, [f"No .py or .ipynb file was submitted: upload {expected} (or the .ipynb)."]
    if len(ids) > 1:
        return sub, [f"Nothing was graded: you submitted {listed(found)}, and each file must be named for "
                     f"its assignment. Name them {expected} (or .ipynb) and submit again."]
    return sub, [f"Nothing was graded: you submitted {listed(found)}, and the grader cannot tell which one "
                 f"is {ids[0]}. Submit only {expected} (or .ipynb)."]


def code_files(folder: Path) -> list[str]:
    """The .py and .ipynb names at the top of `folder` or one folder down (links included, to be
    refused by name; folders that are links are not entered)."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "__MACOSX")):
            continue
        inner = sorted(path.iterdir()) if path.is_dir() and not path.is_symlink() else [path]
        found += [p.relative_to(folder).as_posix() for p in inner
                  if p.suffix in SUFFIXES and not p.name.startswith(".") and (p.is_symlink() or p.is_file())]
    return found


def listed(names: list[str]) -> str:
    """Student-chosen file names for a note: each cleaned onto one line (a name need not be
    UTF-8, and results.json must still encode), the first LISTED, then how many more."""
    shown = ", ".join(one_line(name) for name in names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _unmatched(found: list[str], sub: Submission, ids: list[str]) -> list[str]:
    """A note naming code files that were not graded, when some assignment was not handed in."""
    missing = [aid for aid in ids if aid not in sub.files]
    extra = [f for f in found if Path(f).stem not in ids]
    if not (missing and extra):
        return []
    return [f"Not graded: {listed(extra)} (not named for an assignment; "
            f"missing: {', '.join(f'{aid}.py' for aid in missing)})."]


def _as_assignment(folder: Path, rel: str, assignment_id: str) -> Submission:
    """The lone file as the course's one assignment, read as a submission file is (regular, capped)."""
    path = folder / rel
    info = path.lstat()
    suffix = path.suffix
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
        problem = (f"{one_line(rel)} is a link, not a regular file, or larger than {MAX_FILE_BYTES // 2**20} MiB: "
                   f"upload the file itself")
        return Submission(STUDENT, problems={assignment_id: problem})
    note = f"{one_line(rel)} was graded as {assignment_id}{suffix} (the only assignment)"
    return Submission(STUDENT, files={assignment_id: SubmissionFile(f"{assignment_id}{suffix}", path.read_bytes())},
                      notes={assignment_id: note})


def failure_json(exc: BaseException, seconds: float) -> dict[str, Any]:
    """results.json when the grader itself failed: score 0, and why, for the student to pass on."""
    reason = one_line(str(exc) or type(exc).__name__, limit=500)
    return {
        "score": 0,
        "execution_time": round(seconds, 3),
        "output": f"The autograder failed before it could grade your work: {reason}\n"
                  f"Your score is 0 until this is fixed: tell your instructor.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }
