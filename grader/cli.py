"""The command line: thin wrappers that parse, call one function, render, pick the exit code."""
from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader import DISTRIBUTION
from grader.course.catalogue import SECRET_ENV, SECRET_FILE, Course, load_bundle, load_course
from grader.errors import UsageError

if TYPE_CHECKING:
    from grader.course.roster import Match


def roster_option(required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--roster FILE: the class's LMS identities (README, "Grades for an LMS")."""
    return click.option("--roster", required=required, default=None,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="roster.csv: submission,name,email,sis_id,login_id,canvas_id,section "
                             "(which student each submission is).")


course_option = click.option("--course", type=click.Path(file_okay=False, path_type=Path), default=None,
                             help="Course folder (with assignments/ and reference/); default: this checkout.")


@contextmanager
def _engine(warm_up: frozenset[str] | None = None) -> Iterator[Any]:
    """Start the engine first (GRADER_ENGINE, else the best here): the fork server imports
    torch while this process imports the rest of what the command needs, inside the block.
    `warm_up`: what the fork server prepares beyond torch (default: all, for many workers)."""
    from grader.engine.starters import start_engine

    with start_engine(warm_up=warm_up) as server:
        yield server


@click.group()
@click.version_option(package_name=DISTRIBUTION)
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
    from grader.course.notebook import notebook_text, stub_to_notebook

    c = load_course(course)
    wanted = {c.template_dir / f"{a.id}.ipynb":
              notebook_text(stub_to_notebook((c.template_dir / f"{a.id}.py").read_text())) for a in c.assignments}
    _rebuild(wanted, check, "notebooks", "differ from their stubs")


@main.command()
@click.option("--check", is_flag=True, help="Only report stubs that differ from their references (exit 1).")
@course_option
def stubs(check: bool, course: Path | None) -> None:
    """Make student_template/<id>.py and .ipynb from each reference's ### BEGIN SOLUTION markers.

    A reference without markers keeps its hand-written stub. Example: grader stubs --check
    """
    from grader.authoring.stubs import stub_for
    from grader.course.notebook import notebook_text, stub_to_notebook

    c = load_course(course)
    wanted = {}
    for a in c.assignments:
        stub = stub_for(c.reference_dir / f"{a.id}.py")
        if stub is not None:
            wanted[c.template_dir / f"{a.id}.py"] = stub
            wanted[c.template_dir / f"{a.id}.ipynb"] = notebook_text(stub_to_notebook(stub))
    _rebuild(wanted, check, "stubs", "differ from their references")


def _rebuild(wanted: dict[Path, str], check: bool, what: str, differ: str) -> None:
    """Write each file whose text is not the wanted one (or with --check only name it, exit 1)."""
    from grader.files import write_atomic

    stale = [path for path, text in wanted.items() if not path.is_file() or path.read_text() != text]
    if not check:
        for path in stale:
            write_atomic(path, wanted[path])
    names = ", ".join(path.name for path in stale)
    click.echo(f"{len(stale)} {what} {differ if check else 'rebuilt'}" + (f": {names}" if stale else ""))
    sys.exit(1 if check and stale else 0)


@main.command("new")
@click.argument("assignment_id", metavar="ID")
@click.option("--title", default=None, help="The title students see (default: from ID, e.g. 'Matrix ops').")
@course_option
def new_cmd(assignment_id: str, title: str | None, course: Path | None) -> None:
    """Start assignment ID from a working example that `grader validate` passes; then replace the example.

    Example: grader new matrix_ops --course ~/course
    """
    from grader.authoring.scaffold import new_assignment
    from grader.course.notebook import notebook_text, stub_to_notebook

    c = load_course(course)
    order = max((a.order for a in c.assignments), default=0) + 1
    written = new_assignment(c.root, assignment_id, order, title or assignment_id.replace("_", " ").capitalize(),
                             lambda stub: notebook_text(stub_to_notebook(stub)))
    for path in written:
        click.echo(f"wrote {path.relative_to(c.root)}")
    click.echo(f"Next: grader validate --assignment {assignment_id} --course {c.root}, then replace the example "
               "scale(x, s) with your task (docs/AUTHORING.md) and run grader stubs after each reference edit.")


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
    from grader.engine.forkclient import FULL_WARM_UP, few_workers_warm_up

    c = load_course(course)
    warm_up = FULL_WARM_UP if watching else few_workers_warm_up(_sources(c, folder, ids))
    try:
        with _engine(warm_up) as server:
            from grader.course.submission import assignments_here
            from grader.engine.grading import Grader
            from grader.engine.watch import check_once, watch
            from grader.reports.terminal import student_text_printer, use_color

            color = use_color(sys.stdout.isatty())
            with Grader(c, server, include_hidden=False, cache_expected=True) as grader, \
                    student_text_printer() as show:
                if watching:  # the named ones, or all: a file created later is checked too
                    # Ctrl-C is the only way out: honour it even where SIGINT came in ignored (`cmd &`).
                    signal.signal(signal.SIGINT, signal.default_int_handler)
                    watch(grader, folder, c.select(ids) if ids else c.assignments, show, color)
                    return
                verdict = check_once(grader, folder, assignments_here(c, folder, ids, "name one: grader check ID"), color)
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
@click.option("--fresh", is_flag=True,
              help="Grade every student again; by default, on an --out DIR graded before, only those whose files changed.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help=f"Grade on this Dask cluster (e.g. tcp://scheduler:8786); needs {DISTRIBUTION}[dask].")
@click.option("--similarity", "with_similarity", is_flag=True,
              help="Add the pairs of similar submissions to the class report (see `grader similarity`).")
@roster_option(required=False)
@course_option
def grade(submissions: Path, out: Path, jobs: int, assignment_ids: tuple[str, ...], junit: Path | None,
          fresh: bool, scheduler: str | None, with_similarity: bool, roster: Path | None,
          course: Path | None) -> None:
    """Grade a class: one folder or .zip per student in SUBMISSIONS.

    Run again on the same --out, it grades only the students whose files changed
    (everyone when the course, the grader or --assignment changed, or with --fresh).

    Example: grader grade submissions/ --out results/ -j 2
    """
    from grader.course.roster import load_roster
    from grader.tempdirs import private_tempdir

    class_roster = load_roster(roster) if roster else None  # a bad roster costs no grading
    # Everything this run and torch put in the temp folder goes with the private one.
    with private_tempdir(), _engine() as server:
        from grader.course.submission import list_entries, read_submission
        from grader.engine import regrade
        from grader.engine.grading import Grader, grade_batch
        from grader.engine.placement import placement_for
        from grader.reports import html_report
        from grader.reports.outputs import check_junit_path, reserved_names, write_batch

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
        if class_roster is not None:
            _report_roster(class_roster.match(sid for sid, _ in entries.students), f"in {submissions}")
        stubs = c.stubs()
        subs = [read_submission(sid, path, [a.id for a in assignments], stubs) for sid, path in entries.students]
        course_hash = regrade.course_fingerprint(c, assignments, limits={})
        plan = regrade.plan(out, course_hash, subs, [a.id for a in assignments], fresh)
        if plan.reason:
            click.echo(f"note: grading every student: {plan.reason}", err=True)
        todo = plan.to_grade
        client = _dask_client(scheduler) if scheduler else None  # fails before any work
        _make_folder(out)  # now, not after the grading: a bad --out costs nothing
        started = time.monotonic()
        total = len(todo) * len(assignments)
        expected = dict(plan.expected)  # the Grader adds what it records to this dict
        # One grading process (a pool's share the CPUs, a cluster's are elsewhere): placed (placement.py).
        placement = placement_for(server, min(jobs, total)) if client is None else None
        with Grader(c, server, hide=(submissions.resolve(), out.resolve()), expected_values=expected,
                    placement=placement) as grader:
            def run(progress: Any = None) -> list:
                if not todo:  # nothing changed
                    return []
                if client is None:  # no more processes than tasks: one changed file needs no pool
                    return grade_batch(grader, assignments, todo, min(jobs, total), progress=progress)
                from grader.engine.distributed import grade_on_cluster
                return grade_on_cluster(client, grader, list(assignments), todo, progress)

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
    results = sorted([*plan.kept, *results], key=lambda r: r.student)
    similar = _similar_pairs(subs, [a.id for a in assignments], stubs) if with_similarity else None
    failures = write_batch(out, assignments, results, seconds, junit, similar)
    failures += regrade.save(out, course_hash, subs, results, expected)  # last: it records what was written
    max_total = sum(a.points for a in assignments)
    mean = sum(r.score for r in results) / len(results)
    click.echo(f"{plan.summary()} in {seconds:.1f} s; class mean {mean:.1f}/{max_total:g} "
               f"over {len(assignments)} assignments.")
    click.echo(f"Gradebook: {out / 'grades.csv'}")
    click.echo(f"Class report: {out / 'index.html'} (one report.html per student in {out}/<student>/)")
    flagged = [r.student for r in results if html_report.flags(r)]
    if flagged:
        click.echo(f"Flagged for a look ({len(flagged)}): {', '.join(flagged[:10])}" + (" ..." if len(flagged) > 10 else ""))
    _exit_on_write_failures(failures)


def _similar_pairs(subs: list, assignment_ids: list[str], stubs: dict) -> dict:
    """The class report's similarity section (`grade --similarity`)."""
    from grader.reports import similarity as sim

    found = sim.section(sim.compare_class(subs, assignment_ids, stubs))
    click.echo(f"Similar submissions: {found['total']} pairs scored {found['threshold']:g} or more (in the class report)")
    return found


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
        raise UsageError(f"--scheduler needs Dask: pip install '{DISTRIBUTION}[dask]'") from None
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
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for similarity.csv and similarity.html.")
@click.option("--assignment", "assignment_ids", multiple=True, help="Compare only this assignment (repeatable).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Score from which a pair is shown on the page (default 0.5).")
@course_option
def similarity(submissions: Path, out: Path, assignment_ids: tuple[str, ...], threshold: float | None,
               course: Path | None) -> None:
    """Compare each assignment's files between students; write similarity.csv and similarity.html.

    Names, comments, docstrings and the order of functions are set aside and the stub's own
    code removed. Example: grader similarity submissions/ --out results/ --threshold 0.6
    """
    from grader.files import write_atomic
    from grader.reports import similarity as sim
    from grader.reports.outputs import SIMILARITY_CSV, SIMILARITY_PAGE

    c = load_course(course)
    if out.resolve().is_relative_to(submissions.resolve()):
        raise UsageError("--out must not be inside SUBMISSIONS")
    ids = [a.id for a in c.select(assignment_ids)]
    subs, skipped = sim.read_class(submissions, ids, c.stubs())
    for line in skipped:
        click.echo(f"skipped {line}", err=True)
    result = sim.compare_class(subs, ids, c.stubs())
    for line in result.skipped:
        click.echo(f"not compared: {line}", err=True)
    threshold = sim.THRESHOLD if threshold is None else threshold
    _make_folder(out)
    write_atomic(out / SIMILARITY_CSV, sim.to_csv(result.pairs))
    write_atomic(out / SIMILARITY_PAGE, sim.to_html(result, threshold))
    worth = len(result.worth_a_look(threshold))
    click.echo(f"Compared {len(result.pairs)} pairs of {len(subs)} students; {worth} scored {threshold:g} or "
               f"more and are worth a look: {out / SIMILARITY_PAGE} (every pair: {out / SIMILARITY_CSV})")


@main.command()
@click.option("--assignment", "assignment_ids", multiple=True, help="Validate only this assignment (repeatable).")
@course_option
def validate(assignment_ids: tuple[str, ...], course: Path | None) -> None:
    """Check the checks: reference full marks, stub its score, each mutant fails exactly its named checks.

    Example: grader validate --assignment xor
    """

    with _engine() as server:
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

    with _engine() as server:
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
    from grader.engine.forkclient import few_workers_warm_up

    c = _ci_course(course, hidden)
    with _engine(few_workers_warm_up(_sources(c, folder, ()))) as server:
        from grader.course.submission import assignments_here, read_submission
        from grader.engine.grading import Grader, targets_for
        from grader.files import write_atomic
        from grader.reports import github, gradescope
        from grader.reports.junit import to_junit
        from grader.reports.terminal import check_lines, student_text_printer, use_color
        from grader.results import StudentResult

        folder = folder.resolve()
        assignments = assignments_here(c, folder)
        student = os.environ.get("GITHUB_ACTOR") or folder.name
        sub = read_submission(student, folder, [a.id for a in assignments], c.stubs())
        started = time.monotonic()
        with Grader(c, server, include_hidden=hidden is not None, hide=(out.resolve(),), cache_expected=True) as grader:
            graded = tuple(grader.grade(a, targets_for(a, [sub]))[0] for a in assignments)
    result = StudentResult(student, graded, seconds=time.monotonic() - started)
    write_atomic(out / "results.json", gradescope.dumps(result))
    write_atomic(out / "junit.xml", to_junit([result]))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github.error_annotations(result):
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


@main.command("gradescope")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--assignment", "assignment_ids", multiple=True,
              help="Grade only this assignment there (repeatable; default: every one).")
@course_option
def gradescope_cmd(out: Path, assignment_ids: tuple[str, ...], course: Path | None) -> None:
    """Build a Gradescope autograder zip: setup.sh, run_autograder, the course (no reference), the grader.

    Example: grader gradescope xor-autograder.zip --assignment xor
    """
    with _engine() as server:
        from grader.engine.gradescope_build import build_autograder

        members = build_autograder(load_course(course), server, out, assignment_ids)
    click.echo(f"Wrote {out} ({len(members)} files). On Gradescope: a Programming Assignment, "
               f"Configure Autograder, upload this zip (a base image with Python 3.10 or newer).")


@main.command("gradescope-run")
@click.option("--source", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The unpacked autograder zip (/autograder/source).")
@click.option("--submission", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The student's files (/autograder/submission).")
@click.option("--results", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where results.json goes (/autograder/results).")
def gradescope_run(source: Path, submission: Path, results: Path) -> None:
    """Grade one Gradescope submission into RESULTS/results.json (what run_autograder runs).

    Example: grader gradescope-run --source /autograder/source --submission /autograder/submission --results /autograder/results
    """
    from grader.engine.gradescope_run import run_autograder

    sys.exit(run_autograder(source, submission, results))


def _ci_course(course: Path | None, hidden: Path | None) -> Course:
    """With --hidden, the bundle alone: never the checkout's .grader/ nor $GRADER_COURSE (THREATS 61)."""
    if hidden is None:
        return load_course(course)
    if course is not None:
        raise UsageError("--hidden is the whole course: drop --course")
    return load_bundle(hidden)


@main.command("export")
@click.argument("lms", type=click.Choice(["canvas", "moodle"]))
@click.argument("graded", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@roster_option(required=True)
@click.option("--out", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the CSV (default: DIR/canvas.csv or DIR/moodle.csv).")
@click.option("--canvas-id", "canvas_ids", multiple=True, metavar="ASSIGNMENT=NUMBER",
              help="Canvas's id for an assignment (in its address, /assignments/NUMBER), so the column "
                   "updates that assignment whatever its title (repeatable).")
@course_option
def export(lms: str, graded: Path, roster: Path, target: Path | None, canvas_ids: tuple[str, ...],
           course: Path | None) -> None:
    """Write the CSV an LMS imports from a graded DIR: one row per roster student.

    Students on the roster with no submission get 0 and are listed; graded
    submissions not on the roster are listed and left out.
    Example: grader export canvas results/ --roster roster.csv
    """
    from grader.course.roster import load_roster
    from grader.files import write_atomic
    from grader.reports import lms as lms_csv
    from grader.reports.outputs import LMS_EXPORTS, check_output_path, load_batch

    class_roster = load_roster(roster)
    results, batch = load_batch(graded)
    c = load_course(course)
    assignments = c.select([a["id"] for a in batch.get("assignments", [])])
    target = target or graded / LMS_EXPORTS[lms]
    check_output_path(graded, target, "--out")
    match = class_roster.match(r.student for r in results)
    rows = lms_csv.lms_rows(assignments, results, match)
    if lms == "canvas":
        text = lms_csv.to_canvas(assignments, rows, lms_csv.parse_canvas_ids(canvas_ids, assignments))
        how = (f"In Canvas: Grades > Import, choose {target.name}. Columns match assignments by "
               f"'Title (id)' or by title (a new title makes a new assignment); Final Points is read only.")
    else:
        _, column, map_to = lms_csv.moodle_key(class_roster)
        text = lms_csv.to_moodle(assignments, rows)
        how = (f"In Moodle: Grades > Import > CSV file, choose {target.name}; Map from '{column}' to "
               f"'{column}' ({map_to}), each assignment column to its grade item, Total and Notes to 'Ignore'.")
    try:
        write_atomic(target, text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    _report_roster(match, f"in {graded}")
    click.echo(f"Wrote {target}: {len(rows)} students x {len(assignments)} assignments.")
    click.echo(how)


def _report_roster(match: Match, where: str) -> None:
    """Name the roster students with no submission and the submissions with no roster student."""
    if match.missing:
        click.echo(f"note: {len(match.missing)} roster students have no submission {where} "
                   f"(an LMS export gives them 0 and says so):", err=True)
        for e in match.missing:
            click.echo(f"  {e.label}", err=True)
    if match.unknown:
        click.echo(f"note: {len(match.unknown)} submissions {where} are not on the roster (no LMS row; add them "
                   f"to the roster's submission column): {', '.join(match.unknown)}", err=True)


if __name__ == "__main__":
    main()
