"""Public checks for simple_net: the lesson's network."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_equal, expect_float, expect_keys, points, seeded_tensors


def weights(sizes, seed):
    i, h, o = sizes
    return seeded_tensors({"fc1.weight": (h, i), "fc1.bias": (h,), "fc2.weight": (o, h), "fc2.bias": (o,)}, seed)


def check_structure(got, want, what):
    if not got["is_module"]:
        raise CheckFailure(f"{what} is not an nn.Module", "class SimpleNet(nn.Module): ... and call super().__init__().")
    expect_equal(got["params"], want["params"], f"the parameters (name, shape) of {what}")


@points(1)
def test_structure(student, expected):
    """SimpleNet(10, 50, 1) has fc1 and fc2 with the right shapes"""
    check_structure(student.net_structure(10, 50, 1), expected.net_structure(10, 50, 1), "SimpleNet(10, 50, 1)")


@points(2)
def test_forward(student, expected):
    """forward computes fc2(relu(fc1(x)))"""
    sizes, state = (10, 50, 1), weights((10, 50, 1), 1)
    x = torch.randn(8, 10, generator=torch.Generator().manual_seed(2))
    expect_close(student.net_forward(sizes, state, x), expected.net_forward(sizes, state, x),
                 "SimpleNet's output on a batch of 8", hint="forward returns self.fc2(torch.relu(self.fc1(x))).")


@points(1)
def test_default_sizes(student, expected):
    """SimpleNet() defaults to 10 inputs, 50 hidden units, 1 output"""
    check_structure(student.net_structure(), expected.net_structure(), "SimpleNet()")


@points(1)
def test_count_parameters(student, expected):
    """count_parameters(SimpleNet()) is 601, as a Python int"""
    for name in ("student_default", "linear_3_2"):
        what = "count_parameters(SimpleNet())" if name == "student_default" else "count_parameters(nn.Linear(3, 2))"
        expect_equal(student.count_of(name), expected.count_of("student_default" if name == "student_default" else name),
                     what, "sum(p.numel() for p in model.parameters() if p.requires_grad) is a Python int.")


@points(1)
def test_grad_means(student, expected):
    """grad_means maps each parameter name to its gradient's mean"""
    got, want = student.grad_means_after_backward("sequential", 5), expected.grad_means_after_backward("sequential", 5)
    expect_keys(got, list(want), "grad_means(model)", "Use the names from model.named_parameters().")
    for name, value in want.items():
        expect_float(got[name], value, f"grad_means(model)[{name!r}]")
