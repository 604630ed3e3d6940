"""The command line: thin wrappers that parse, call one function, render, pick the exit code."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from grader.course.catalogue import SECRET_ENV, SECRET_FILE, Course, load_bundle, load_course
from grader.errors import UsageError

course_option = click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
                             help="Course folder (with assignments/ and reference/); default: this checkout.")


@click.group()
@click.version_option(package_name="grader")
def main() -> None:
    """grader: the autograder for PyTorch courses."""


@main.command("list")
@course_option
def list_cmd(course: Path | None) -> None:
    """List the assignments and their points.

    Example: grader list
    """
    c = load_course(course)
    for a in c.assignments:
        click.echo(f"{a.id:<18} {a.points:>3g} pts  {a.title}")


@main.command()
@click.option("--check", is_flag=True, help="Only report notebooks that differ from their stubs (exit 1).")
@course_option
def notebooks(check: bool, course: Path | None) -> None:
    """Build student_template/<id>.ipynb from each .py stub (the stubs are the source).

    Example: grader notebooks --check
    """
    from grader.files import write_atomic
    from grader.course.notebook import notebook_text, stub_to_notebook

    c = load_course(course)
    stale = []
    for a in c.assignments:
        stub = c.template_dir / f"{a.id}.py"
        target = c.template_dir / f"{a.id}.ipynb"
        text = notebook_text(stub_to_notebook(stub.read_text()))
        if not target.is_file() or target.read_text() != text:
            stale.append(target.name)
            if not check:
                write_atomic(target, text)
    verb = "differ from their stubs" if check else "rebuilt"
    click.echo(f"{len(stale)} notebooks {verb}" + (f": {', '.join(stale)}" if stale else ""))
    sys.exit(1 if check and stale else 0)


@main.command()
@click.argument("ids", nargs=-1)
@click.option("--dir", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
              help="Your working folder (default: here).")
@click.option("--watch", "watching", is_flag=True,
              help="Stay running: check again each time you save (Ctrl-C stops, exit 130).")
@course_option
def check(ids: tuple[str, ...], folder: Path, watching: bool, course: Path | None) -> None:
    """Run the public checks on your work: every assignment with a file here, or those named.

    Example: grader check tensor_creation --dir ~/course --watch
    """
    from grader.engine.forkclient import FULL_WARM_UP, ForkServer, few_workers_warm_up

    c = load_course(course)
    warm_up = FULL_WARM_UP if watching else few_workers_warm_up(_sources(c, folder, ids))
    try:
        with ForkServer(warm_up=warm_up) as server:  # it imports torch while this process does below
            from grader.engine.grading import Grader
            from grader.reports.terminal import student_text_printer, use_color
            from grader.engine.watch import assignments_to_check, check_once, watch

            color = use_color(sys.stdout.isatty())
            with Grader(c, server, include_hidden=False, cache_expected=True) as grader, \
                    student_text_printer() as show:
                if watching:  # the named ones, or all: a file created later is checked too
                    # Ctrl-C is the only way out: honour it even where SIGINT came in ignored (`cmd &`).
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    watch(grader, folder, c.select(ids) if ids else c.assignments, show, color)
                    return
                verdict = check_once(grader, folder, assignments_to_check(c, folder, ids), color)
                for line in verdict.lines:
                    show(line)
    except KeyboardInterrupt:  # reached after the fork server and its workers are gone
        click.echo("Stopped watching." if watching else "Stopped.")
        sys.exit(130)
    sys.exit(0 if verdict.passed else 1)


def _sources(c: Course, folder: Path, ids: tuple[str, ...]) -> list[Path]:
    """The files a check of these assignments (all when none are named) may run in workers."""
    return [p for a in c.select(ids) for p in (folder / f"{a.id}.py", folder / f"{a.id}.ipynb",
                                               c.reference_dir / f"{a.id}.py")]


@main.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for grades.csv, index.html and one folder per student.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="number of cores", help="Submissions graded at once.")
@click.option("--assignment", "assignment_ids", multiple=True, help="Grade only this assignment (repeatable).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results as JUnit XML here.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on this Dask cluster (e.g. tcp://scheduler:8786); needs grader[dask].")
@course_option
def grade(submissions: Path, out: Path, jobs: int, assignment_ids: tuple[str, ...], junit: Path | None,
          scheduler: str | None, course: Path | None) -> None:
    """Grade a class: one folder or .zip per student in SUBMISSIONS.

    Example: grader grade submissions/ --out results/ -j 2
    """
    from grader.engine.forkclient import ForkServer
    from grader.tempdirs import private_tempdir

    # Everything this run and torch put in the temp folder goes with the private one.
    with private_tempdir(), ForkServer() as server:  # it imports torch while this process does below
        from grader.reports import html_report
        from grader.engine.grading import Grader, grade_batch
        from grader.reports.outputs import check_junit_path, reserved_names, write_batch
        from grader.course.submission import list_entries, read_submission

        c = load_course(course)
        if c.secret is None:
            click.echo(f"note: hidden inputs are predictable until you set a course secret "
                       f"({SECRET_ENV}, or a line of text in {c.root / SECRET_FILE})", err=True)
        assignments = c.select(assignment_ids)
        if out.resolve().is_relative_to(submissions.resolve()):
            raise UsageError("--out must not be inside SUBMISSIONS")
        check_junit_path(out, junit)
        entries = list_entries(submissions, reserved_names(out, junit))
        for line in entries.skipped:
            click.echo(f"skipped {line}", err=True)
        for line in entries.renamed:
            click.echo(f"renamed {line}", err=True)
        stubs = c.stubs()
        subs = [read_submission(sid, path, [a.id for a in assignments], stubs) for sid, path in entries.students]
        client = _dask_client(scheduler) if scheduler else None  # fails before any work
        _make_folder(out)  # now, not after the grading: a bad --out costs nothing
        started = time.monotonic()
        total = len(subs) * len(assignments)
        with Grader(c, server, hide=(submissions.resolve(), out.resolve())) as grader:
            def run(progress: Any = None) -> list:
                if client is None:
                    return grade_batch(grader, assignments, subs, jobs, progress=progress)
                from grader.engine.distributed import grade_on_cluster
                return grade_on_cluster(client, grader, list(assignments), subs, progress)

            try:
                if sys.stderr.isatty():
                    with click.progressbar(length=total, label="Grading", file=sys.stderr) as bar:
                        results = run(bar.update)
                else:
                    results = run()
            finally:
                if client is not None:
                    client.close()
    seconds = time.monotonic() - started
    failures = write_batch(out, assignments, results, seconds, junit)
    max_total = sum(a.points for a in assignments)
    mean = sum(r.score for r in results) / len(results)
    click.echo(f"Graded {len(results)} students x {len(assignments)} assignments in {seconds:.1f} s; "
               f"mean {mean:.1f}/{max_total:g}.")
    click.echo(f"Gradebook: {out / 'grades.csv'}")
    click.echo(f"Class report: {out / 'index.html'} (one report.html per student in {out}/<student>/)")
    flagged = [r.student for r in results if html_report.flags(r)]
    if flagged:
        click.echo(f"Flagged for a look ({len(flagged)}): {', '.join(flagged[:10])}" + (" ..." if len(flagged) > 10 else ""))
    _exit_on_write_failures(failures)


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the --out folder {out}: {exc.strerror}") from None


def _exit_on_write_failures(failures: list[str]) -> None:
    """Name each file that could not be written (all others were) and exit 1, if any."""
    for line in failures:
        click.echo(f"error: could not write {line}", err=True)
    if failures:
        click.echo(f"{len(failures)} files could not be written (listed above); every other output was.", err=True)
        sys.exit(1)


def _dask_client(address: str) -> Any:
    try:
        from grader.engine.distributed import connect
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'grader[dask]'") from None
    return connect(address)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(out: Path) -> None:
    """Re-render every HTML report in OUT from its results.json files; nothing is run again.

    Example: grader report results/
    """
    from grader.reports.outputs import load_batch, render_html

    results, batch = load_batch(out)
    failures = render_html(out, results, batch)
    click.echo(f"Rendered {len(results)} student reports and {out / 'index.html'}")
    _exit_on_write_failures(failures)


@main.command()
@click.option("--assignment", "assignment_ids", multiple=True, help="Validate only this assignment (repeatable).")
@course_option
def validate(assignment_ids: tuple[str, ...], course: Path | None) -> None:
    """Check the checks: reference full marks, stub its score, each mutant fails exactly its named checks.

    Example: grader validate --assignment xor
    """
    from grader.engine.forkclient import ForkServer

    with ForkServer() as server:  # it imports torch while this process does below
        from grader.engine.grading import Grader
        from grader.engine.validation import validate_assignment

        c = load_course(course)
        rows = []
        with Grader(c, server) as grader:
            for a in c.select(assignment_ids):
                rows += validate_assignment(grader, a)
    width = max(len(r.case) for r in rows)
    for r in rows:
        mark = "ok " if r.ok else "BAD"
        click.echo(f"{mark} {r.assignment:<16} {r.case:<{width}}  expected {r.expected}; got {r.got}")
    surprises = [r for r in rows if not r.ok]
    click.echo(f"{len(rows) - len(surprises)}/{len(rows)} as expected")
    sys.exit(1 if surprises else 0)



@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--hidden-bundle", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write the instructor bundle here: the whole course but the reference, with every "
                   "expected value (for `grader ci --hidden`).")
@click.option("--title", default="PyTorch course", show_default=True, help="The course's name in the README.")
@course_option
def release(out: Path, hidden_bundle: Path | None, title: str, course: Path | None) -> None:
    """Build the repository students get: stubs, public checks, expected values, CI workflow.

    Example: grader release ../course-2026 --hidden-bundle ../hidden-2026
    """
    from grader.engine.forkclient import ForkServer

    with ForkServer() as server:  # it imports torch while this process does below
        from grader.engine.release import build_release

        written = build_release(load_course(course), server, out, hidden_bundle, title)
    click.echo(f"Wrote {len(written)} files to {out}" + (
        f" and the instructor bundle to {hidden_bundle} (keep it from students; grade with "
        f"`grader ci --hidden {hidden_bundle}`)" if hidden_bundle else ""))


@main.command()
@click.option("--dir", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
              help="The checkout to grade (default: here).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("grader-results"),
              show_default=True, help="Folder for results.json and junit.xml.")
@click.option("--fail-under", type=float, default=None,
              help="Pass when the score reaches this (default: every public check passes).")
@click.option("--hidden", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="An instructor bundle (from `grader release --hidden-bundle`): the whole course, "
                   "hidden checks included, is read from it and nothing from the checkout but ID.py/ID.ipynb.")
@course_option
def ci(folder: Path, out: Path, fail_under: float | None, hidden: Path | None, course: Path | None) -> None:
    """Grade this checkout for CI: results.json, JUnit XML, GitHub job summary; exit 0 or 1.

    Without --hidden the course is the checkout's own .grader/ (a student controls it: the
    score is feedback, never a grade). Example: grader ci --hidden ../bundle-2026
    """
    from grader.engine.forkclient import ForkServer, few_workers_warm_up

    c = _ci_course(course, hidden)
    with ForkServer(warm_up=few_workers_warm_up(_sources(c, folder, ()))) as server:  # imports torch meanwhile
        from grader.reports import github, gradescope
        from grader.files import write_atomic
        from grader.engine.grading import Grader, targets_for
        from grader.reports.junit import to_junit
        from grader.results import StudentResult
        from grader.course.submission import read_submission
        from grader.reports.terminal import check_lines, student_text_printer, use_color

        folder = folder.resolve()
        assignments = tuple(a for a in c.assignments
                            if any((folder / f"{a.id}{s}").is_file() for s in (".py", ".ipynb")))
        if not assignments:
            raise UsageError(f"no assignment files in {folder} (expected e.g. {c.assignments[0].id}.py)")
        student = os.environ.get("GITHUB_ACTOR") or folder.name
        sub = read_submission(student, folder, [a.id for a in assignments], c.stubs())
        started = time.monotonic()
        with Grader(c, server, include_hidden=hidden is not None, hide=(out.resolve(),), cache_expected=True) as grader:
            graded = tuple(grader.grade(a, targets_for(a, [sub]))[0] for a in assignments)
    result = StudentResult(student, graded, seconds=time.monotonic() - started)
    write_atomic(out / "results.json", gradescope.dumps(result))
    write_atomic(out / "junit.xml", to_junit([result]))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github.annotations(result):
            click.echo(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(github.summary_markdown(result) + "\n")
    color = use_color(sys.stdout.isatty())
    with student_text_printer() as show:
        for a in graded:
            for line in check_lines(a, color):
                show(line)
    public_ok = all(a.handed_in and not any(ch.failed and not ch.hidden for ch in a.checks)
                    for a in graded)
    passed = result.score >= fail_under if fail_under is not None else public_ok
    rule = f"score >= {fail_under:g}" if fail_under is not None else "every public check passes"
    click.echo(f"Score {result.score:g}/{result.max_score:g}: {'pass' if passed else 'FAIL'} ({rule}). "
               f"Results in {out}/results.json and {out}/junit.xml")
    sys.exit(0 if passed else 1)


def _ci_course(course: Path | None, hidden: Path | None) -> Course:
    """With --hidden, the bundle alone: never the checkout's .grader/ nor $GRADER_COURSE (THREATS 61)."""
    if hidden is None:
        return load_course(course)
    if course is not None:
        raise UsageError("--hidden is the whole course: drop --course")
    return load_bundle(hidden)


if __name__ == "__main__":
    main()
