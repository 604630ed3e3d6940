"""The command line: thin wrappers that parse, call one function, render, pick the exit code."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from grader.catalogue import load_course
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
    from grader.notebook import notebook_text, stub_to_notebook

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
@course_option
def check(ids: tuple[str, ...], folder: Path, course: Path | None) -> None:
    """Run the public checks on your work: every assignment with a file here, or those named.

    Example: grader check tensor_creation --dir ~/course
    """
    from grader.grading import Grader, targets_for
    from grader.submission import read_submission
    from grader.terminal import check_lines, use_color
    from grader.workers import ForkServer

    c = load_course(course)
    assignments = c.select(ids) if ids else tuple(
        a for a in c.assignments if any((folder / f"{a.id}{s}").is_file() for s in (".py", ".ipynb")))
    if not assignments:
        raise UsageError(f"no assignment files in {folder} (expected e.g. {c.assignments[0].id}.py); "
                         "name one: grader check ID")
    sub = read_submission("you", folder.resolve(), [a.id for a in assignments])
    color = use_color(sys.stdout.isatty())
    all_passed = True
    with ForkServer() as server, Grader(c, server, include_hidden=False) as grader:
        for a in assignments:
            result, = grader.grade(a, targets_for(a, [sub]))
            for line in check_lines(result, color):
                click.echo(line)
            click.echo()
            all_passed &= all(ch.passed for ch in result.checks)
    click.echo("All public checks pass." if all_passed else "Some checks fail: see the hints above.")
    sys.exit(0 if all_passed else 1)


@main.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for grades.csv, index.html and one folder per student.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=lambda: os.cpu_count() or 1,
              show_default="number of cores", help="Submissions graded at once.")
@click.option("--assignment", "assignment_ids", multiple=True, help="Grade only this assignment (repeatable).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results as JUnit XML here.")
@course_option
def grade(submissions: Path, out: Path, jobs: int, assignment_ids: tuple[str, ...], junit: Path | None,
          course: Path | None) -> None:
    """Grade a class: one folder or .zip per student in SUBMISSIONS.

    Example: grader grade submissions/ --out results/ -j 2
    """
    from grader import html_report
    from grader.grading import Grader, grade_batch
    from grader.outputs import write_batch
    from grader.submission import list_entries, read_submission
    from grader.workers import ForkServer

    c = load_course(course)
    assignments = c.select(assignment_ids)
    if out.resolve().is_relative_to(submissions.resolve()):
        raise UsageError("--out must not be inside SUBMISSIONS")
    entries, skipped = list_entries(submissions)
    for s in skipped:
        click.echo(f"skipped {s}", err=True)
    subs = [read_submission(sid, path, [a.id for a in assignments]) for sid, path in entries]
    started = time.monotonic()
    total = len(subs) * len(assignments)
    with ForkServer() as server, Grader(c, server, hide=(submissions.resolve(), out.resolve())) as grader:
        if sys.stderr.isatty():
            with click.progressbar(length=total, label="Grading", file=sys.stderr) as bar:
                results = grade_batch(grader, assignments, subs, jobs, progress=bar.update)
        else:
            results = grade_batch(grader, assignments, subs, jobs)
    seconds = time.monotonic() - started
    write_batch(out, assignments, results, seconds, junit)
    max_total = sum(a.points for a in assignments)
    mean = sum(r.score for r in results) / len(results)
    click.echo(f"Graded {len(results)} students x {len(assignments)} assignments in {seconds:.1f} s; "
               f"mean {mean:.1f}/{max_total:g}.")
    click.echo(f"Gradebook: {out / 'grades.csv'}")
    click.echo(f"Class report: {out / 'index.html'} (one report.html per student in {out}/<student>/)")
    flagged = [r.student for r in results if html_report.flags(r)]
    if flagged:
        click.echo(f"Flagged for a look ({len(flagged)}): {', '.join(flagged[:10])}" + (" ..." if len(flagged) > 10 else ""))


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(out: Path) -> None:
    """Re-render every HTML report in OUT from its results.json files; nothing is run again.

    Example: grader report results/
    """
    from grader.outputs import load_batch, render_html

    results, batch = load_batch(out)
    render_html(out, results, batch)
    click.echo(f"Rendered {len(results)} student reports and {out / 'index.html'}")
if __name__ == "__main__":
    main()
