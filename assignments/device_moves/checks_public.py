"""Public checks for device_moves: the meta device stands in for a GPU everywhere, and
pick_device's cuda branch is seen by reporting CUDA available. What only a real GPU
shows (test_cuda_paths) counts where there is one; elsewhere it is skipped, and a
skipped check counts in no total (see grader/engine/plugin.py)."""
import pytest
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_equal, points


def check_moved(got, device, what):
    if got["returned"] != "triple":
        raise CheckFailure(f"{what} returned a {got['returned']}, expected (model, inputs, targets)",
                           "return model, inputs, targets")
    if got["model"] != [device]:
        raise CheckFailure(f"after {what} the model's parameters and buffers are on {', '.join(got['model'])}, "
                           f"expected {device}", "model.to(device) moves every parameter and buffer.")
    for key in ("inputs", "targets"):
        if got[key] != device:
            raise CheckFailure(f"after {what} the {key} are on {got[key]}, expected {device}",
                               "t.to(device) returns a new tensor: return that one, not the original.")


def state(seed):
    gen = torch.Generator().manual_seed(seed)
    return {"0.weight": torch.randn(3, 4, generator=gen), "0.bias": torch.randn(3, generator=gen),
            "2.weight": torch.randn(2, 3, generator=gen), "2.bias": torch.randn(2, generator=gen)}


def check_predict(got, want, device, what):
    out = expect_close(got["out"], want["out"], what)
    if out.requires_grad:
        raise CheckFailure(f"the output of {what} requires grad", "Compute inside `with torch.no_grad():`.")
    if not got["seen"]:
        raise CheckFailure(f"{what} never ran the model")
    for param_device, input_device, grad in got["seen"]:
        if torch.device(param_device).type != device or torch.device(input_device).type != device:
            raise CheckFailure(f"{what} ran the model with its weights on {param_device} and the input on "
                               f"{input_device}, expected both on {device}", "Move the model and x to the device.")
        if grad:
            raise CheckFailure(f"{what} ran with gradient tracking on", "Use `with torch.no_grad():`.")


@points(1)
def test_pick_device(student, expected):
    """pick_device returns a torch.device: cuda when available, else cpu"""
    expect_equal(student.pick_device(), expected.pick_device(), "pick_device()")


@points(1)
def test_pick_device_when_cuda_is_available(student, expected):
    """pick_device returns cuda when CUDA is available (the grader reports it so, GPU or not)"""
    expect_equal(student.pick_device_with_cuda(), expected.pick_device_with_cuda(),
                 "pick_device() while torch.cuda.is_available() is True",
                 'Ask torch.cuda.is_available() each time: torch.device("cuda") if it is True, else torch.device("cpu").')


@points(1)
def test_to_device_meta(student):
    """to_device moves the model and both tensors (to the meta device)"""
    check_moved(student.moved("linear", "meta", False), "meta", 'to_device(model, x, y, "meta")')


@points(1)
def test_to_device_accepts_a_device_object(student):
    """to_device accepts a torch.device as well as a string"""
    check_moved(student.moved("linear", "meta", True), "meta", 'to_device(model, x, y, torch.device("meta"))')


@points(1)
def test_predict_on_cpu(student, expected):
    """predict runs without gradients and returns a CPU tensor"""
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(3))
    check_predict(student.predict_spy(state(1), x, "cpu"), expected.predict_spy(state(1), x, "cpu"), "cpu",
                  'predict(model, x, "cpu")')


@points(1)
def test_same_device_basic(student):
    """same_device is True when all match and False when a tensor is elsewhere"""
    expect_equal(student.same_device_case("all_cpu"), True, "same_device(model on cpu, cpu tensors)")
    expect_equal(student.same_device_case("tensor_elsewhere"), False,
                 "same_device(model on cpu, a cpu tensor, a meta tensor)",
                 "Compare the devices of the tensors too, not only the model's.")


@points(1)
def test_cuda_paths(student, expected):
    """on CUDA: to_device, predict and same_device (only counted where the grading machine has a GPU)"""
    if not torch.cuda.is_available():
        pytest.skip("needs a GPU, and this machine has none")
    check_moved(student.moved("batchnorm", "cuda:0", False), "cuda:0", 'to_device(model, x, y, "cuda")')
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(4))
    check_predict(student.predict_spy(state(2), x, "cuda"), expected.predict_spy(state(2), x, "cuda"), "cuda",
                  'predict(model, x, "cuda")')
    expect_equal(student.same_device_case("cuda_vs_cpu"), False, "same_device(model on cuda, a cpu tensor)")
