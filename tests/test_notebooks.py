"""Notebooks: stubs as .ipynb, and notebook submissions graded like modules."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from click.testing import CliRunner

from conftest import ROOT, failed_checks, grade_source
from grader.cli import main
from grader.grading import Grader
from grader.notebook import notebook_text, stub_to_notebook

IDS = ["tensor_creation", "autograd_basics", "simple_net", "training_loop", "device_moves", "gotchas", "xor"]


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
    from grader.notebook import read_code_cells
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
