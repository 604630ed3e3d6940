"""Similarity between submissions (issue 19 item 3): a disguised copy ranks first among
correct solutions of different authors; the stub counts for nothing; bad files are skipped.

tests/fixtures/similarity/ is a class: ana, ben and chen wrote xor and simple_net each
their own way; dora's xor is ana's and her simple_net is ben's, disguised (names changed,
functions reordered, comments and docstrings rewritten, blank lines changed).
"""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import FIXTURES, ROOT

from grader.cli import main
from grader.course.catalogue import load_course
from grader.course.notebook import notebook_text, stub_to_notebook
from grader.course.submission import Submission, SubmissionFile
from grader.reports import similarity as sim
from grader.reports.html_report import class_report
from grader.reports.outputs import load_batch, render_html, write_batch
from grader.results import AssignmentResult, StudentResult

CLASS = FIXTURES / "similarity"
IDS = ["simple_net", "xor"]
COPIES = {"xor": ("ana", "dora"), "simple_net": ("ben", "dora")}


@pytest.fixture(scope="module")
def stubs():
    return load_course(ROOT).stubs()


def compare(folder: Path, stubs, ids=IDS) -> sim.ClassSimilarity:
    subs, _ = sim.read_class(folder, ids, stubs)
    return sim.compare_class(subs, ids, stubs)


def code(source: str, student: str = "s", stub: frozenset[int] = frozenset(), name: str = "xor.py") -> sim.Code:
    return sim.read_code(student, SubmissionFile(name, source.encode()), stub)


def copy_class(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    shutil.copytree(CLASS, subs)
    return subs


@pytest.mark.parametrize("assignment", IDS)
def test_the_disguised_copy_ranks_first_with_a_clear_margin(assignment, stubs):
    pairs = [p for p in compare(CLASS, stubs).pairs if p.assignment == assignment]
    top, honest = pairs[0], pairs[1:]
    assert (top.a.student, top.b.student) == COPIES[assignment]
    assert top.score >= 0.9
    # Every other pair is two authors (or a copy and an author it did not copy).
    assert max(p.score for p in honest) < sim.THRESHOLD / 2, [(p.a.student, p.b.student, p.score) for p in honest]


def test_a_copy_with_a_few_edits_is_still_worth_a_look(stubs):
    source = (CLASS / "ana" / "xor.py").read_text()
    edited = source.replace("epochs=350, lr=0.04", "epochs=300, lr=0.05").replace(
        "history = []", "history = []\n    model.train()")
    stub = sim.stub_kgrams(SubmissionFile("xor.py", stubs["xor"][".py"]))
    assert sim.score(code(source, "a", stub), code(edited, "b", stub)) >= sim.THRESHOLD


def test_names_comments_docstrings_blank_lines_and_order_do_not_count():
    original = '''
def first(values):
    """Sum the squares."""
    total = 0
    for v in values:  # each one
        total += v * v
    return total


def second(model, X):
    return model(X).sigmoid()
'''
    disguised = '''
# helpers
def other(m, inputs):
    # apply the sigmoid
    return m(inputs).sigmoid()
def squares(xs):
    s = 0

    for item in xs:
        s += item * item
    return s
'''
    a, b = code(original), code(disguised)
    assert a.prints and a.prints.keys() == b.prints.keys()
    # What is kept: torch's API (an attribute) and the operators; changing them is a change.
    assert code(disguised.replace("sigmoid", "tanh")).prints.keys() != b.prints.keys()


def test_winnowing_finds_every_shared_run_of_k_plus_w_minus_1_tokens():
    """The guarantee of Schleimer, Wilkerson and Aiken: a match of t = W + K - 1 tokens shares a fingerprint."""
    rng = random.Random(0)
    t = sim.W + sim.K - 1
    for _ in range(200):
        shared = [f"a{rng.randrange(50)}" for _ in range(t)]
        left = [f"b{rng.randrange(50)}" for _ in range(rng.randrange(30))] + shared
        right = shared + [f"c{rng.randrange(50)}" for _ in range(rng.randrange(30))]
        prints = [{h for h, _, _ in sim.winnow(sim.kgrams([sim.Token(x, 1, 1) for x in side]))}
                  for side in (left, right)]
        assert prints[0] & prints[1]


def test_the_untouched_stub_handed_in_by_two_students_scores_zero(tmp_path, stubs):
    subs = tmp_path / "subs"
    for student in ("eve", "finn"):
        (subs / student).mkdir(parents=True)
        shutil.copy(ROOT / "student_template" / "xor.py", subs / student / "xor.py")
    pair, = compare(subs, stubs, ["xor"]).pairs
    assert pair.score == 0.0
    # Without removing the stub they would be identical: the removal is what makes it 0.
    assert compare(subs, {}, ["xor"]).pairs[0].score == 1.0


def test_the_stub_code_a_solution_keeps_is_not_counted(stubs):
    """Two different solutions inside the stub's signatures and docstrings share nothing of it."""
    stub_source = stubs["xor"][".py"].decode()
    one = stub_source.replace('raise NotImplementedError("xor_data")', "return torch.eye(2), torch.ones(2)")
    two = stub_source.replace('raise NotImplementedError("solve")', "return build_model(8)")
    stub = sim.stub_kgrams(SubmissionFile("xor.py", stubs["xor"][".py"]))
    assert sim.score(code(one, "a", stub), code(two, "b", stub)) == 0.0
    assert sim.score(code(one), code(two)) > 0.5


def test_a_notebook_is_compared_by_its_code_cells(tmp_path, stubs):
    subs = copy_class(tmp_path)
    (subs / "gus").mkdir()
    notebook = notebook_text(stub_to_notebook((CLASS / "ana" / "xor.py").read_text()))
    (subs / "gus" / "xor.ipynb").write_text(notebook)
    pairs = {(p.a.student, p.b.student): p for p in compare(subs, stubs, ["xor"]).pairs}
    assert pairs[("ana", "gus")].score == 1.0
    assert len(json.loads(notebook)["cells"]) > 1
    # The page shows the notebook's cells with the shared lines marked.
    lines, _ = sim.marked_lines(pairs[("ana", "gus")].b, pairs[("ana", "gus")].a)
    assert lines[0].text.startswith("# cell ") and any(line.shared for line in lines)


def test_empty_unreadable_and_broken_files_are_skipped_and_listed(tmp_path, stubs):
    subs = copy_class(tmp_path)
    for name, content in {"hal": b"", "ivy": "x = 'caf\xe9'".encode("latin-1"),
                          "jo": b"# only a comment\n\n", "kim": b'{"cells": ['}.items():
        (subs / name).mkdir()
        (subs / name / ("xor.ipynb" if name == "kim" else "xor.py")).write_bytes(content)
    (subs / "lu.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (subs / "nia").mkdir()
    (subs / "nia" / "xor.py").symlink_to(CLASS / "ana" / "xor.py")
    (subs / "ola").mkdir()
    shutil.copy(CLASS / "ana" / "simple_net.py", subs / "ola")
    (subs / "mo").mkdir()
    (subs / "mo" / "xor.py").write_text('def f(:\n    s = """never closed\n')  # tokens up to the break
    result = compare(subs, stubs, ["xor"])
    skipped = "\n".join(result.skipped)
    for words in ("hal, xor: xor.py has no code", "ivy, xor: xor.py is not UTF-8 text",
                  "jo, xor: xor.py has no code", "kim, xor: xor.ipynb is not a readable notebook",
                  "lu: lu.zip is not a readable zip archive",
                  "nia, xor: xor.py is a symbolic link: only regular files are accepted"):
        assert words in skipped
    assert "ola" not in skipped  # no xor handed in: nothing to compare, nothing to say
    students = {s for p in result.pairs for s in (p.a.student, p.b.student)}
    assert students == {"ana", "ben", "chen", "dora", "mo"}
    assert (result.pairs[0].a.student, result.pairs[0].b.student) == COPIES["xor"]


HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_names_and_code_are_escaped_in_the_page(stubs):
    source = (CLASS / "ana" / "xor.py").read_text() + f"\nNOTE = '{HOSTILE}'\nLONG = '{'y' * 900_000}'\n"
    subs = [Submission(name, {"xor": SubmissionFile("xor.py", source.encode())})
            for name in (HOSTILE, "<b>two</b>")]
    result = sim.compare_class(subs, ["xor"], stubs)
    page = sim.to_html(result, 0.5)
    assert "<script>" not in page and "<img" not in page and "<b>two" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;two&lt;/b&gt;" in page
    assert len(page) < 50_000 and "characters cut]" in page  # a 900,000-character line is not all shown
    # The class report's section, from the same names, escapes them too.
    section = sim.section(result)
    one = StudentResult(HOSTILE, (AssignmentResult("xor", "XOR", 10.0),))
    html = class_report([one], {"xor": "XOR"}, 1.0, section)
    assert "<script>alert" not in html and "<img" not in html and 'id="similar"' in html


def test_the_csv_has_its_header_and_every_pair_highest_first(stubs):
    text = sim.to_csv(compare(CLASS, stubs).pairs)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["student_a", "student_b", "assignment", "score"]
    body = rows[1:]
    assert len(body) == 2 * 6  # two assignments, 4 students: 6 pairs each
    scores = [float(r[3]) for r in body]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert all(len(r[3].split(".")[1]) == 3 and r[0] < r[1] for r in body)
    assert body[0][3] == "1.000" and {tuple(r[:3]) for r in body[:2]} == {
        ("ana", "dora", "xor"), ("ben", "dora", "simple_net")}


def test_a_name_a_spreadsheet_would_run_is_quoted(stubs):
    source = (CLASS / "ana" / "xor.py").read_bytes()
    subs = [Submission(name, {"xor": SubmissionFile("xor.py", source)}) for name in ("-2+3", "=cmd")]
    row = list(csv.reader(io.StringIO(sim.to_csv(sim.compare_class(subs, ["xor"], stubs).pairs))))[1]
    assert row[:2] == ["'-2+3", "'=cmd"]


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_the_command_writes_the_csv_and_the_page(tmp_path):
    subs = copy_class(tmp_path)
    with zipfile.ZipFile(subs / "nell.zip", "w") as z:  # a zip, one folder down, as `grade` reads it
        z.write(CLASS / "chen" / "xor.py", "work/xor.py")
    out = tmp_path / "out"
    result = run_cli("similarity", subs, "--out", out, "--course", ROOT, "--assignment", "xor")
    assert result.exit_code == 0, result.output
    assert "2 scored 0.5 or more and are worth a look" in result.output  # ana-dora, chen-nell
    rows = list(csv.reader((out / "similarity.csv").open()))
    assert len(rows) == 1 + 10 and {tuple(r[:2]) for r in rows[1:3]} == {("ana", "dora"), ("chen", "nell")}
    page = (out / "similarity.html").read_text()
    assert page.count('class="pair"') == 2 and "<mark>" in page
    lower = run_cli("similarity", subs, "--out", out, "--course", ROOT, "--assignment", "xor", "--threshold", "0.1")
    assert "6 scored 0.1 or more" in lower.output  # and ana or dora with chen or nell (0.145)
    assert (out / "similarity.html").read_text().count('class="pair"') == 6


def test_the_command_refuses_an_out_folder_inside_submissions(tmp_path):
    subs = copy_class(tmp_path)
    result = CliRunner().invoke(main, ["similarity", str(subs), "--out", str(subs / "out"), "--course", str(ROOT)])
    assert result.exit_code == 2 and "--out must not be inside SUBMISSIONS" in result.output


def test_grade_similarity_section_is_kept_in_the_batch_and_rendered_again(tmp_path, stubs):
    """`grade --similarity` hands write_batch the section; `grader report` shows it again."""
    section = sim.section(compare(CLASS, stubs))
    results = [StudentResult(s, (AssignmentResult("xor", "XOR", 10.0),)) for s in ("ana", "ben", "chen", "dora")]
    out = tmp_path / "out"
    assert write_batch(out, load_course(ROOT).select(["xor"]), results, 1.0, similar=section) == []
    page = (out / "index.html").read_text()
    assert 'id="similar"' in page and "ana</a> and <a" in page and "1.000" in page
    (out / "index.html").unlink()
    results, batch = load_batch(out)
    assert render_html(out, results, batch) == []
    assert 'id="similar"' in (out / "index.html").read_text()
    write_batch(out, load_course(ROOT).select(["xor"]), results, 1.0)
    assert 'id="similar"' not in (out / "index.html").read_text()  # only when asked for


def test_grade_with_similarity_adds_the_section_to_the_class_report(tmp_path):
    subs = tmp_path / "subs"
    for student in ("ben", "chen", "dora"):
        (subs / student).mkdir(parents=True)
        shutil.copy(CLASS / student / "simple_net.py", subs / student)
    out = tmp_path / "out"
    result = run_cli("grade", subs, "--out", out, "-j", "1", "--assignment", "simple_net", "--similarity")
    assert result.exit_code == 0, result.output
    assert "Similar submissions: 1 pairs scored 0.5 or more" in result.output
    page = (out / "index.html").read_text()
    assert page.count("<tr><td><a href=\"ben/report.html\">ben</a> and <a href=\"dora/report.html\">dora</a>") == 1
    assert "chen</a> and" not in page and "and <a href=\"chen" not in page
