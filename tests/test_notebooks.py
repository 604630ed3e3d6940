"""Notebooks: stubs as .ipynb, and notebook submissions graded like modules."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from click.testing import CliRunner
from helpers import ROOT, failed_checks, grade_source

from grader.cli import main
from grader.course.catalogue import load_course
from grader.course.notebook import notebook_text, read_code_cells, stub_to_notebook
from grader.course.submission import MAX_FILE_BYTES
from grader.engine.grading import Grader

IDS = [a.id for a in load_course(ROOT).assignments]  # the catalogue: a new assignment needs no edit here


@pytest.fixture(scope="module")
def nb_grader(course, server, grader):
    with Grader(course, server, limits={"cell_timeout": 1.0}, expected_values=grader.expected_values) as g:
        yield g


def as_notebook(source: str, extra_cells=()) -> bytes:
    """A solution turned into a notebook the way students write them."""
    nb = stub_to_notebook(source)
    nb.cells.insert(0, nbformat.v4.new_code_cell("%matplotlib inline\n!pip install torch"))
    nb.cells.append(nbformat.v4.new_markdown_cell("## Trying it out"))
    nb.cells.extend(extra_cells)
    return nbformat.writes(nb).encode()


@pytest.mark.parametrize("aid", IDS)
def test_template_notebook_matches_its_stub(aid):
    stub = (ROOT / "student_template" / f"{aid}.py").read_text()
    committed = (ROOT / "student_template" / f"{aid}.ipynb").read_text()
    assert committed == notebook_text(stub_to_notebook(stub)), "run `grader notebooks` to rebuild"


@pytest.mark.parametrize("aid", IDS)
def test_reference_as_a_notebook_scores_full_marks(nb_grader, aid):
    demo = [nbformat.v4.new_code_cell("print('exploring', 1 + 1)\nx = [i * i for i in range(10)]"),
            nbformat.v4.new_code_cell("import time\nwhile True:  # a demo training run that never ends\n    time.sleep(0.1)"),
            nbformat.v4.new_code_cell("undefined_name + 1"),
            nbformat.v4.new_code_cell("def after_the_demo():\n    return 42")]
    data = as_notebook((ROOT / "reference" / f"{aid}.py").read_text(), demo)
    result = grade_source(nb_grader, aid, data, name=f"{aid}.ipynb")
    assert failed_checks(result) == set(), [c.message for c in result.checks if not c.passed]
    assert result.graded_file == f"{aid}.ipynb"
    notes = " | ".join(result.notes)
    assert "`%matplotlib inline` was not run" in notes and "`!pip install torch` was not run" in notes
    assert "was stopped after 1 s" in notes
    assert "NameError: name 'undefined_name' is not defined" in notes and "line 1" in notes
    assert "exploring 2" in result.output


def test_the_stub_notebook_scores_zero_without_crashing(nb_grader):
    data = (ROOT / "student_template" / "tensor_creation.ipynb").read_bytes()
    result = grade_source(nb_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 0 and result.error is None
    assert all("NotImplementedError" in c.message for c in result.checks)


def test_errors_point_into_the_notebook(nb_grader):
    ref = (ROOT / "reference" / "simple_net.py").read_text().replace("from torch import nn\n", "")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# mine"),
                                         nbformat.v4.new_code_cell("import torch"),
                                         nbformat.v4.new_code_cell(ref)])
    result = grade_source(nb_grader, "simple_net", nbformat.writes(nb).encode(), name="simple_net.ipynb")
    assert result.score == 0
    assert "cell 3, line" in " ".join(result.notes) and "name 'nn' is not defined" in " ".join(result.notes)
    forward = next(c for c in result.checks if c.check_id == "forward")
    assert "no function named SimpleNet" in forward.message


def test_a_cell_magic_disables_its_cell(nb_grader):
    ref = (ROOT / "reference" / "tensor_creation.py").read_text()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ref),
                                         nbformat.v4.new_code_cell("%%bash\nrm -rf ~")])
    result = grade_source(nb_grader, "tensor_creation", nbformat.writes(nb).encode(), name="tensor_creation.ipynb")
    assert result.score == 10 and "`%%bash` was not run" in " ".join(result.notes)


def _v4(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


MALFORMED = {
    "invalid_json": (b'{"nbformat": 4, "cells": [', "invalid JSON"),
    "nbformat_3": (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}).encode(),
                   "notebook format 3"),
    "no_code_cells": (json.dumps(_v4([{"cell_type": "markdown", "metadata": {}, "source": "hi", "id": "a"}])).encode(),
                      "no code cells"),
    "source_not_text": (json.dumps(_v4([{"cell_type": "code", "metadata": {}, "source": [1, 2], "outputs": [],
                                         "execution_count": None, "id": "a"}])).encode(), "neither text nor"),
    "not_utf8": ("{\"nbformat\": 4, \"cells\": [], \"x\": \"é\"}".encode("latin-1"), "not UTF-8"),
    "not_a_notebook": (b"[1, 2, 3]", "not a notebook"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_notebook_scores_zero_with_its_reason(nb_grader, case):
    data, words = MALFORMED[case]
    result = grade_source(nb_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 0
    assert words in result.error and "tensor_creation.ipynb" in result.error


def test_a_list_of_lines_is_a_normal_source():
    nb = json.loads(nbformat.writes(stub_to_notebook((ROOT / "reference" / "tensor_creation.py").read_text())))
    for cell in nb["cells"]:
        if isinstance(cell["source"], str):
            cell["source"] = cell["source"].splitlines(keepends=True)  # how Jupyter saves it
    assert all(isinstance(cell["source"], list) for cell in nb["cells"])
    from grader.course.notebook import read_code_cells
    cells, _ = read_code_cells(json.dumps(nb).encode(), "x.ipynb")
    assert any("def from_data" in c.source for c in cells)


def test_check_works_in_a_folder_of_notebooks(tmp_path):
    ref = (ROOT / "reference" / "autograd_basics.py").read_text()
    (tmp_path / "autograd_basics.ipynb").write_bytes(as_notebook(ref))
    shutil.copy(ROOT / "student_template" / "tensor_creation.ipynb", tmp_path)
    result = CliRunner().invoke(main, ["check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "autograd_basics): 6/6" in result.output and "tensor_creation): 0/7" in result.output
    assert "was not run" in result.output


# -- budgets and caps: a notebook's cost is fixed by the assignment (THREATS 60, 63) -----
@pytest.fixture(scope="module")
def budget_grader(course, server, grader):
    limits = {"cell_timeout": 1.0, "notebook_timeout": 4.0}
    with Grader(course, server, limits=limits, expected_values=grader.expected_values) as g:
        yield g


def _raw_notebook(sources: list[str]) -> bytes:
    """Code cells as plain JSON, the way a script (not Jupyter) would write thousands of them."""
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": s} for i, s in enumerate(sources)]
    return json.dumps(_v4(cells)).encode()


REFERENCE = (ROOT / "reference" / "tensor_creation.py").read_text()


def test_empty_cells_buy_no_time_and_a_cell_that_ignores_its_alarm_is_killed_at_the_budget(budget_grader):
    sleeper = "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(10_000)"
    data = _raw_notebook([REFERENCE] + [""] * 70_000 + [sleeper])
    assert len(data) < MAX_FILE_BYTES  # a submission the reader accepts
    result = grade_source(budget_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 0 and "the notebook ran past its 4 s budget" in result.error
    assert "timed out" in result.notes


def test_slow_demo_cells_stop_near_the_budget_and_the_definitions_are_graded(budget_grader):
    data = _raw_notebook([REFERENCE] + ["import time\ntime.sleep(0.45)"] * 20)  # 9 s of demo cells
    result = grade_source(budget_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 10, [c.message for c in result.checks if not c.passed]
    flag = result.notes[0]
    assert "the notebook's 4 s budget was nearly spent: the code cells from cell" in flag and "were not run" in flag


def test_magic_line_notes_are_capped(budget_grader):
    data = _raw_notebook([REFERENCE, "%a\n" * 100_000])
    result = grade_source(budget_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 10
    assert len(result.notes) <= 21 and sum(map(len, result.notes)) < 5_000
    assert "... and 99980 more magic or shell lines were not run" in result.notes


def test_millions_of_magic_lines_cost_the_grader_little():
    cells, notes = read_code_cells(_raw_notebook(["x = 1", "%\n" * 2_700_000, "y = 2"]), "x.ipynb")
    assert [c.number for c in cells] == [1]
    assert notes == ["the code cells from cell 2 on (2) were not run: grading runs at most "
                     "2000 code cells and 1 MiB of code per notebook"]


def test_code_cells_are_capped_in_number():
    cells, notes = read_code_cells(_raw_notebook([f"x{i} = {i}" for i in range(2001)]), "x.ipynb")
    assert len(cells) == 2000 and notes[0].startswith("the code cells from cell 2001 on (1) were not run")


def test_a_lone_surrogate_in_a_notebook_is_graded_normally(budget_grader):
    # In the .ipynb these are JSON escapes (\udc80): valid JSON, text no writer can encode.
    data = _raw_notebook([REFERENCE + "\nNOTE = '\udc80'  # \udc80\n", "%time \udc80"])
    assert b"\\udc80" in data
    result = grade_source(budget_grader, "tensor_creation", data, name="tensor_creation.ipynb")
    assert result.score == 10, result.notes
    assert "cell 2: `%time \ufffd` was not run (magics and shell commands are not run in grading)" in result.notes
