"""Feedback that names the actual mistake: known mistakes (mutants) and their hints."""
from __future__ import annotations

import ast
import functools
import textwrap

import pytest
import torch
from helpers import ROOT, grade_source

from grader.authoring.mutants import mutant_hint, mutant_source
from grader.course.catalogue import load_course
from grader.course.submission import SubmissionFile
from grader.engine.diagnosis import ENTRY_PREFIX, diagnose, known_mistakes, same
from grader.engine.grading import Grader, Target
from grader.engine.handles import ProbeCall, in_students_words, load_store, save_store
from grader.engine.validation import expected_failures, failed_checks, unhinted_checks, validate_assignment
from grader.engine.workers import WorkerFailure
from grader.errors import UsageError

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]
HINTS = {(a.id, m.stem): mutant_hint(m) for a in COURSE.assignments for m in a.mutants}


@functools.cache
def _mutant_hints(grader: Grader, aid: str) -> dict[str, dict[str, str]]:
    """Each mutant graded in one batch: the hint shown on each check it fails (mutants that
    only a GPU catches are left out where there is none)."""
    a = grader.course.get(aid)
    targets = [Target(m.stem, SubmissionFile(f"{aid}.py", mutant_source(m))) for m in a.mutants]
    return {t.student: {c.check_id: c.hint for c in r.checks if c.check_id in failed_checks(r)}
            for t, r, m in zip(targets, grader.grade(a, targets), a.mutants) if expected_failures(m, r)}


@pytest.mark.parametrize("aid", IDS)
def test_validate_finds_every_mutant_caught_with_its_hint(grader, aid):
    rows = validate_assignment(grader, grader.course.get(aid))
    assert [r for r in rows if not r.ok] == []
    assert all(HINTS[aid, m.stem] for m in grader.course.get(aid).mutants)


@pytest.mark.parametrize("aid", IDS)
def test_a_mistakes_hint_is_shown_only_where_its_answers_are_seen(grader, aid):
    shown = _mutant_hints(grader, aid)
    for mutant, checks in shown.items():
        own = HINTS[aid, mutant]
        assert checks and all(hint == own for hint in checks.values()), (mutant, checks)
        for other, other_checks in shown.items():
            if HINTS[aid, other] != own:
                assert all(own not in hint for hint in other_checks.values()), (mutant, other)


def test_validate_reports_a_mutant_whose_hint_is_not_shown(grader):
    mse_sum = COURSE.get("gotchas").folder / "mutants" / "mse_sum.py"
    result = grade_source(grader, "gotchas", mutant_source(mse_sum).decode())
    assert unhinted_checks(result, "Check your shapes.") == {"mse_shapes", "mse_other_shapes"}
    assert unhinted_checks(result, HINTS["gotchas", "mse_sum"]) == set()


def _short_mutant(course, code: str):
    """A course with one reference and one mutant of assignment `a`."""
    (course / "reference").mkdir(parents=True)
    (course / "reference" / "a.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return f() + 1\n")
    (course / "assignments" / "a" / "mutants").mkdir(parents=True)
    path = course / "assignments" / "a" / "mutants" / "m.py"
    path.write_text(code)
    return path


def test_a_short_mutants_definitions_replace_the_references(tmp_path):
    path = _short_mutant(tmp_path, "# fails: g\n# hint: h\n# base: reference\n\ndef f():\n    return 5\n")
    source = mutant_source(path)
    assert source.startswith((tmp_path / "reference" / "a.py").read_bytes()) and source.endswith(path.read_bytes())
    namespace = {}
    exec(source, namespace)
    assert namespace["g"]() == 6  # the reference's g calls the mutant's f


def test_a_mutant_without_a_base_is_read_as_it_is(tmp_path):
    path = _short_mutant(tmp_path, "# fails: g\n# hint: base: reference\ndef f():\n    return 5\n")
    assert mutant_source(path) == path.read_bytes()


def test_a_short_mutant_without_its_reference_is_a_clear_error(tmp_path):
    path = _short_mutant(tmp_path, "# fails: g\n# base: reference\n")
    (tmp_path / "reference" / "a.py").unlink()
    with pytest.raises(UsageError, match="base: reference.*no .*reference/a.py"):
        mutant_source(path)


@pytest.mark.parametrize("aid", IDS)
def test_short_mutants_only_replace_the_references_definitions(aid):
    """A misspelt def in a short mutant would add a function and leave the reference's in place."""
    reference = _defined((COURSE.reference_dir / f"{aid}.py").read_text())
    for m in COURSE.get(aid).mutants:
        assert _defined(m.read_text()) <= reference, m.name  # the file itself, not its full source


def _defined(text: str) -> set[str]:
    return {n.name for n in ast.parse(text).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


# The eight one-bug solutions whose feedback named the wrong cause (or none) before:
# each written differently from its mutant, with the same mistake.
CASES = {
    "make_zeros float64": ("tensor_creation", "zeros_and_ones", "zeros_float64", """
        import numpy as np
        import torch
        def from_data(values): return torch.tensor(values, dtype=torch.float32)
        def make_zeros(rows, cols): return torch.zeros((rows, cols)).double()
        def make_ones(rows, cols): return torch.ones(rows, cols)
        """),
    "mse with sum": ("gotchas", "mse_shapes", "mse_sum", """
        import torch
        def mse(preds, targets):
            return torch.sum((preds.view(-1) - targets.view(-1)) ** 2)
        """),
    "normalize_rows via softmax": ("gotchas", "normalize_rows", "normalize_softmax", """
        import torch.nn.functional as F
        def normalize_rows(x):
            return F.softmax(x, dim=-1)
        """),
    "accumulate one short": ("autograd_basics", "accumulate", "accumulate_one_short", """
        import torch
        def accumulate(x, times):
            leaf = torch.tensor(float(x), requires_grad=True)
            for i in range(1, times):
                (leaf * leaf).backward()
            return leaf.grad
        """),
    "training loop with reduction='sum'": ("training_loop", "train_losses", "train_sum", """
        import torch
        def train(model, inputs, targets, epochs=100, lr=0.01):
            opt = torch.optim.SGD(model.parameters(), lr)
            out = []
            for epoch in range(epochs):
                loss = torch.nn.functional.mse_loss(model(inputs), targets, reduction="sum")
                opt.zero_grad()
                loss.backward()
                opt.step()
                out.append(float(loss))
            return out
        """),
    "training loop with outputs.squeeze()": ("training_loop", "train_losses", "train_squeeze", """
        import torch
        from torch import nn
        def train(model, inputs, targets, epochs=100, lr=0.01):
            criterion, opt, losses = nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=lr), []
            for _ in range(epochs):
                outputs = model(inputs).squeeze()
                loss = criterion(outputs, targets)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses
        """),
    "training loop calling backward() twice": ("training_loop", "train_losses", "train_backward_twice", """
        import torch
        from torch import nn
        def train(model, inputs, targets, epochs=100, lr=0.01):
            opt, losses = torch.optim.SGD(model.parameters(), lr=lr), []
            for _ in range(epochs):
                opt.zero_grad()
                loss = nn.MSELoss()(model(inputs), targets)
                loss.backward(retain_graph=True)
                losses.append(loss.item())
                loss.backward()
                opt.step()
            return losses
        """),
    "XOR train ignoring lr": ("xor", "train", "train_ignores_lr", """
        from torch import nn, optim
        def train(model, X, y, epochs=1000, lr=0.1):
            opt, bce, losses = optim.Adam(params=model.parameters()), nn.BCELoss(), []
            for _ in range(epochs):
                loss = bce(model(X), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses
        """),
    "XOR train with BCEWithLogits after a Sigmoid": ("xor", "train", "train_bce_with_logits", """
        import torch
        import torch.nn.functional as F
        def train(model, X, y, epochs=1000, lr=0.1):
            opt, losses = torch.optim.Adam(model.parameters(), lr=lr), []
            for _ in range(epochs):
                loss = F.binary_cross_entropy_with_logits(model(X), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses
        """),
    "build_model ignoring hidden": ("xor", "build_model_forward", "build_model_ignores_hidden", """
        from torch import nn
        def build_model(hidden=4):
            layers = [nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid()]
            return nn.Sequential(*layers)
        """),
    "gradient failing for an fn that ignores x": ("autograd_basics", "gradient_of_other_functions",
                                                  "gradient_fails_on_constant", """
        import torch
        def gradient(fn, x):
            leaf = x.clone().requires_grad_()
            fn(leaf).backward()
            return leaf.grad
        """),
}


@pytest.mark.parametrize("case", CASES)
def test_one_bug_solution_gets_the_hint_of_its_mistake(grader, case):
    aid, check_id, mutant, source = CASES[case]
    result = grade_source(grader, aid, textwrap.dedent(source))
    check = next(c for c in result.checks if c.check_id == check_id)
    assert not check.passed
    assert check.hint == HINTS[aid, mutant], check.hint
    probes = (ROOT / "assignments" / aid / "probes.py").read_text()
    named = [w for w in ("model_forward", "gradient_of", "train_run") if f"def {w}(" in probes]
    assert not any(name in check.message for name in named), check.message


def test_build_model_ignoring_hidden_is_told_in_the_students_terms(grader):
    aid, check_id, _, source = CASES["build_model ignoring hidden"]
    check = next(c for c in grade_source(grader, aid, textwrap.dedent(source)).checks if c.check_id == check_id)
    assert "build_model(3)" in check.message and "wrong size" in check.message


def test_a_mistake_no_mutant_makes_gets_no_mutants_hint(grader):
    source = ("import torch\ndef mse(preds, targets):\n"
              "    return ((preds - targets.reshape(preds.shape)) ** 2).mean() * 3\n")
    check = next(c for c in grade_source(grader, "gotchas", source).checks if c.check_id == "mse_shapes")
    assert not check.passed and check.hint == ""


def test_failures_without_a_frame_of_the_student_name_their_function_not_the_probe(grader):
    source = "from torch import nn\nclass SimpleNet(nn.Module):\n    def __init__(self, i=10, h=50, o=1):\n" \
             "        super().__init__()\n        self.a = nn.Linear(i, h)\n        self.b = nn.Linear(h, o)\n"
    check = next(c for c in grade_source(grader, "simple_net", source).checks if c.check_id == "forward")
    assert check.message.startswith("working with what SimpleNet() returned raised RuntimeError"), check.message
    assert "net_forward" not in check.message


def test_probe_names_are_replaced_by_the_students_functions():
    probes = str(ROOT / "assignments" / "xor" / "probes.py")
    timeout = in_students_words(WorkerFailure("timeout", "train_run() timed out after 10 s", "h"), "train_run", probes)
    assert (timeout.kind, timeout.message, timeout.hint) == ("timeout", "train() timed out after 10 s", "h")
    raised = in_students_words(WorkerFailure("raised", "model_forward() raised KeyError: 'x'"), "model_forward", probes)
    assert raised.message == "working with what build_model() returned raised KeyError: 'x'"
    own = WorkerFailure("raised", "train() raised ValueError: no (line 3, in train)")
    assert in_students_words(own, "train_run", probes) is own  # already in the student's words


def test_answers_match_within_tolerance_and_type():
    t = torch.tensor([1.0, 2.0])
    assert same({"a": [t, 0.1]}, {"a": [t + 1e-7, 0.1 + 1e-9]})
    assert not same(t, t.double())
    assert not same(t, t + 0.01)
    assert not same(t, t.clone().requires_grad_(True))
    assert not same(1.0, 1)
    assert not same([t], (t,))


def test_diagnosis_needs_the_same_calls_and_answers(grader):
    a = grader.course.get("gotchas")
    known = grader.known(a)["mse_shapes"]
    gen = torch.Generator().manual_seed(5)
    preds, targets = torch.randn(6, 1, generator=gen), torch.randn(6, generator=gen)
    summed = ((preds.view(-1) - targets) ** 2).sum()
    assert diagnose(known, [ProbeCall("mse", (preds, targets), {}, summed)]) == HINTS["gotchas", "mse_sum"]
    assert diagnose(known, [ProbeCall("mse", (preds, targets), {}, summed + 1)]) == ""
    assert diagnose(known, [ProbeCall("mse", (preds * 2, targets), {}, summed)]) == ""  # another call
    assert diagnose(known, []) == ""


def test_known_mistakes_travel_with_stored_expected_values(grader, course, server):
    a = grader.course.get("gotchas")
    text = save_store(grader.expected(a))
    stored = load_store(text)
    assert any(k.startswith(ENTRY_PREFIX + "mse_sum/") for k in stored)
    assert known_mistakes(stored).keys() == grader.known(a).keys()
    # A grader with stored values only (as in a release, a pool process or a Dask worker) diagnoses alike.
    with Grader(course, server, expected_values={a.id: stored}) as replay:
        source = CASES["mse with sum"][3]
        check = next(c for c in grade_source(replay, a.id, textwrap.dedent(source)).checks
                     if c.check_id == "mse_shapes")
    assert check.hint == HINTS["gotchas", "mse_sum"]
