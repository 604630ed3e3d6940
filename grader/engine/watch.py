"""`grader check` and `grader check --watch`: the public checks on a student's folder, once or
after every save, through one fork server and one Grader (expected values recorded once)."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.course.catalogue import Assignment
from grader.course.submission import files_of, read_submission
from grader.engine.grading import Grader, targets_for
from grader.reports.terminal import check_lines
from grader.results import AssignmentResult

ALL_PASS = "All public checks pass."
SOME_FAIL = "Some checks fail: see the hints above."
POLL_SECONDS = 0.1

Show = Callable[[str], None]
Signature = tuple[int, int, int] | None


@dataclass(frozen=True)
class Verdict:
    """What one check run prints, and whether everything passed."""

    lines: list[str]
    passed: bool
    first_to_fix: str | None


def _first_to_fix(result: AssignmentResult) -> str | None:
    if not result.handed_in:
        return f"{result.title}: {result.error or 'not handed in'}"
    for c in result.checks:
        if c.failed:  # skipped: cannot run here (no GPU), nothing to fix
            return f"{c.title}: {c.hint or c.message or c.status.value}"
    return None


def check_once(grader: Grader, folder: Path, assignments: tuple[Assignment, ...], color: bool) -> Verdict:
    """Run the public checks of each assignment on its file in folder: the lines to print."""
    sub = read_submission("you", folder.resolve(), [a.id for a in assignments], grader.course.stubs())
    lines: list[str] = []
    first: str | None = None
    for a in assignments:
        result, = grader.grade(a, targets_for(a, [sub]))
        lines += [*check_lines(result, color), ""]
        first = first or _first_to_fix(result)
    lines.append(SOME_FAIL if first else ALL_PASS)
    return Verdict(lines, first is None, first)


def signatures(folder: Path, names: Iterable[str]) -> dict[str, Signature]:
    """Each file's (mtime, size, inode), or None where it is missing: a save changes it."""
    out: dict[str, Signature] = {}
    for name in names:
        try:
            st = os.stat(folder / name)
            out[name] = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            out[name] = None
    return out


def polling_changes(folder: Path, names: set[str], every: float = POLL_SECONDS) -> Iterator[set[str]]:
    """The names whose file changed since this call, batch by batch, from stat() every `every` seconds."""
    return _poll(folder, names, signatures(folder, names), every)  # the baseline now, not at the first next()


def _poll(folder: Path, names: set[str], seen: dict[str, Signature], every: float) -> Iterator[set[str]]:
    while True:
        time.sleep(every)
        now = signatures(folder, names)
        changed = {n for n in names if now[n] != seen[n]}
        seen = now
        if changed:
            yield changed


def watchfiles_changes(folder: Path, names: set[str]) -> Iterator[set[str]]:
    """The names whose file changed, from the OS's file events (inotify) through watchfiles."""
    import watchfiles

    # step: wait 50 ms of quiet so one save (write, then rename) is one batch; debounce caps the wait.
    for batch in watchfiles.watch(folder, watch_filter=lambda _, path: Path(path).name in names,
                                  debounce=400, step=50, recursive=False):
        yield {Path(path).name for _, path in batch}


def change_source(folder: Path, names: set[str]) -> Iterator[set[str]]:
    """watchfiles where it can be imported, else polling."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return polling_changes(folder, names)
    return watchfiles_changes(folder, names)


def fresh_verdict(grader: Grader, folder: Path, assignments: tuple[Assignment, ...], color: bool,
                  show: Show) -> tuple[Verdict, dict[str, Signature]]:
    """check_once, redone while a save lands during the run: the verdict for the newest files,
    with the signatures of the files it is for."""
    names = files_of(assignments)
    while True:
        before = signatures(folder, names)
        verdict = check_once(grader, folder, assignments, color)
        if signatures(folder, names) == before:
            return verdict, before
        show("(saved again while checking: checking the newest file)")


def watch(grader: Grader, folder: Path, assignments: tuple[Assignment, ...], show: Show, color: bool = False,
          changes: Iterable[set[str]] | None = None) -> None:
    """Check the assignments with a file now, then again each time one's file changes; runs until
    `changes` ends (Ctrl-C raises KeyboardInterrupt through it)."""
    names = files_of(assignments)
    source = change_source(folder, names) if changes is None else changes  # before the first run: no save missed
    graded: dict[str, Signature] = dict.fromkeys(names)  # each file as last checked; None: missing

    def changed_since_checked(a: Assignment) -> bool:
        return any(sig != graded[n] for n, sig in signatures(folder, files_of([a])).items())

    def check(due: tuple[Assignment, ...]) -> None:
        verdict, seen = fresh_verdict(grader, folder, due, color, show)
        graded.update(seen)
        _report(verdict, show)

    present = tuple(a for a in assignments if changed_since_checked(a))
    if present:
        check(present)
    show(f"Watching {folder} for saves to {', '.join(sorted(names))} (Ctrl-C stops).")
    for changed in source:
        # A file already checked as it is now (the save that made a run start over) is not checked again.
        due = tuple(a for a in assignments if files_of([a]) & changed and changed_since_checked(a))
        if due:
            show(f"--- {time.strftime('%H:%M:%S')}: {', '.join(a.id for a in due)} changed")
            check(due)


def _report(verdict: Verdict, show: Show) -> None:
    for line in verdict.lines:
        show(line)
    if verdict.first_to_fix:
        show(f"First to fix: {verdict.first_to_fix}")
