"""The contract's general rules, enforced by the engine: arguments left as they came, both
modes tried, both branches of pick_device seen without a GPU, GPU-only behaviour counted
only where a GPU is."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import ROOT, grade_source
from torch import nn

from grader.reports import html_report
from grader.results import Status, StudentResult
from grader.sandbox.argument_guard import ArgumentGuard

REFERENCE = {aid: (ROOT / "reference" / f"{aid}.py").read_text() for aid in ("gotchas", "device_moves")}


def changes(fn, *args, mutates=None, **kwargs):
    """What the guard records for one call of fn (named "f")."""
    guard = ArgumentGuard()
    guard.declare(mutates or {})
    guard.wrap("f", fn)(*args, **kwargs)
    return [(c.argument, c.part, c.what) for c in guard.changes]


# -- the guard itself, in this process ---------------------------------------------------
def test_in_place_division_is_named_by_the_students_own_argument_name():
    def normalize(rows):
        rows /= rows.sum(dim=1, keepdim=True)
        return rows

    assert changes(normalize, torch.rand(3, 3) + 0.1) == [("rows", "values", "its values")]
    assert changes(lambda x: x / x.sum(dim=1, keepdim=True), torch.rand(3, 3) + 0.1) == []


def test_a_function_replaced_between_calls_is_named_by_its_own_arguments():
    """The guard keeps each name's parameter names between calls (inspect.signature costs
    more than a small call); a student module that rebinds the name gets the new ones."""
    guard = ArgumentGuard()

    def first(rows):
        rows += 1

    def second(table):
        table += 1

    for fn, name in ((first, "rows"), (first, "rows"), (second, "table"), (first, "rows")):
        guard.start_call()
        guard.wrap("f", fn)(torch.zeros(2))
        assert [c.argument for c in guard.changes] == [name]


def test_each_part_of_a_tensor_and_a_module_is_watched():
    def touch_grad(t):
        t.grad = torch.ones_like(t)

    assert changes(lambda t: t.requires_grad_(), torch.zeros(2))[0][1] == "requires_grad"
    assert changes(touch_grad, torch.zeros(2))[0][1] == "grad"
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    assert changes(lambda m: m.train(), model.eval()) == [
        ("m", "mode", "it arrived in eval mode and was left in train mode")]
    assert changes(lambda m: m[1].eval(), nn.Sequential(nn.Linear(2, 2), nn.Dropout()))[0][1] == "mode"
    assert changes(lambda m: m[0].bias.data.add_(1), model)[0][2] == "the values of its parameter 0.bias"
    bn = nn.BatchNorm1d(3)
    assert changes(lambda m: m(torch.randn(4, 3)), bn)[0][2] == "the values of its buffer running_mean"


def test_arrays_and_containers_are_watched_and_nan_left_alone_is_no_change():
    def write(a):
        a[0] = 5

    assert changes(write, np.zeros(3)) == [("a", "values", "its values")]
    assert changes(lambda xs: xs[1].zero_(), [torch.ones(2), torch.ones(2)])[0][0] == "xs[1]"
    assert changes(lambda d: d["w"].add_(1), {"w": torch.ones(2)})[0][0] == "d['w']"
    assert changes(lambda t: t + 1, torch.tensor([float("nan"), 1.0])) == []
    assert changes(lambda t: t.clone(), torch.zeros(2, device="meta")) == []


def test_declared_arguments_may_change_by_position_or_keyword():
    def train(model, data):
        model.weight.data.zero_()

    declared = {"f": {"model": 0}}
    assert changes(train, nn.Linear(2, 1), torch.ones(2), mutates=declared) == []
    assert changes(train, mutates=declared, model=nn.Linear(2, 1), data=torch.ones(2)) == []
    assert changes(train, nn.Linear(2, 1), torch.ones(2))[0][:2] == ("model", "values")  # nothing declared
    assert changes(train, nn.Linear(2, 1), torch.ones(2), mutates={"g": {"model": 0}}) != []  # another function's


# -- through the sandbox and the checks --------------------------------------------------
def test_in_place_normalize_rows_fails_and_a_correct_one_passes(grader):
    bad = REFERENCE["gotchas"].replace("    return x / x.sum(dim=1, keepdim=True)",
                                       "    x /= x.sum(dim=1, keepdim=True)\n    return x")
    assert bad != REFERENCE["gotchas"]
    result = grade_source(grader, "gotchas", bad)
    check = next(c for c in result.checks if c.check_id == "normalize_rows")
    assert check.status is Status.FAILED and check.message == \
        "normalize_rows changed its argument x in place (its values)"
    assert "in place" in check.hint
    good = grade_source(grader, "gotchas", REFERENCE["gotchas"])
    assert all(c.passed for c in good.checks if c.check_id.startswith("normalize"))


def test_predict_ending_in_train_mode_fails_from_eval_mode(grader):
    bad = REFERENCE["gotchas"].replace("    model.train(was_training)\n    return out", "    model.train()\n    return out")
    assert bad != REFERENCE["gotchas"]
    check = next(c for c in grade_source(grader, "gotchas", bad).checks if c.check_id == "predict_eval_no_grad")
    assert check.status is Status.FAILED
    assert check.message == "predict changed its argument model: it arrived in eval mode and was left in train mode"


def test_pick_device_always_cpu_fails_on_a_machine_without_a_gpu(grader):
    bad = REFERENCE["device_moves"].replace(
        'torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")', 'torch.device("cpu")')
    assert bad != REFERENCE["device_moves"]
    result = grade_source(grader, "device_moves", bad)
    failed = {c.check_id: c.message for c in result.checks if c.status is Status.FAILED}
    assert set(failed) == {"pick_device_when_cuda_is_available"}
    assert "expected device(type='cuda')" in failed["pick_device_when_cuda_is_available"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="what a machine without a GPU reports")
def test_cuda_reported_available_for_that_call_only(grader):
    probe = REFERENCE["device_moves"] + "\n\ndef same_device(model, *tensors):\n    return torch.cuda.is_available()\n"
    result = grade_source(grader, "device_moves", probe)
    assert next(c for c in result.checks if c.check_id == "pick_device_when_cuda_is_available").passed
    # Checked later in the same worker: had the fake outlived its call, this would answer True.
    same = next(c for c in result.checks if c.check_id == "same_device_basic")
    assert same.message == "same_device(model on cpu, cpu tensors) is False, expected True"


OUTPUT_ON_DEVICE = REFERENCE["device_moves"].replace("    return out.cpu()", "    return out")


@pytest.mark.skipif(torch.cuda.is_available(), reason="what a machine without a GPU reports")
def test_without_a_gpu_the_cuda_check_counts_nowhere_and_the_report_says_so(grader):
    result = grade_source(grader, "device_moves", OUTPUT_ON_DEVICE)
    cuda = next(c for c in result.checks if c.check_id == "cuda_paths")
    assert cuda.status is Status.SKIPPED and (cuda.score, cuda.max_score, cuda.not_counted) == (0, 0, 1)
    assert result.score == result.max_score == 9 and result.not_counted == 1
    note = "not checked here: needs a GPU, and this machine has none: on CUDA: to_device, predict and same_device"
    assert any(n.startswith(note) for n in result.notes)
    page = html_report.student_report(StudentResult("ada", (result,)))
    assert "not checked here: needs a GPU" in page and "not counted" in page and "9 / 9" in page


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_predict_returning_the_output_on_the_gpu_loses_points_there(grader):
    result = grade_source(grader, "device_moves", OUTPUT_ON_DEVICE)
    cuda = next(c for c in result.checks if c.check_id == "cuda_paths")
    assert cuda.status is Status.FAILED and "is on cuda:0, expected cpu" in cuda.message
    assert result.max_score == 10 and result.score == 9 and result.not_counted == 0
    reference = grade_source(grader, "device_moves", REFERENCE["device_moves"])
    assert reference.score == reference.max_score == 10
