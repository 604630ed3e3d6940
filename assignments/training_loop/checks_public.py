"""Public checks for training_loop: a linear model learning y = 2a - b + 0.5c."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_float, expect_floats, expect_type, points, seeded_tensors

def data(seed, n=16, outputs=1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=gen)
    y = (x @ torch.tensor([[2.0], [-1.0], [0.5]])).repeat(1, outputs) + 0.1 * torch.randn(n, outputs, generator=gen)
    return x, y


SHAPES = {"linear": {"weight": (1, 3), "bias": (1,)},
          "mlp": {"0.weight": (8, 3), "0.bias": (8,), "2.weight": (2, 8), "2.bias": (2,)},
          "dropout": {"0.weight": (6, 3), "0.bias": (6,), "3.weight": (1, 6), "3.bias": (1,)}}


def init(arch, seed):
    return seeded_tensors(SHAPES[arch], seed, scale=0.5)


def check_state(got, want, what):
    for name, value in want.items():
        expect_close(got[name], value, f"{what}: {name}")


@points(2)
def test_train_losses(student, expected):
    """train returns each epoch's loss as a Python float"""
    x, y = data(1)
    args = ("linear", init("linear", 2), x, y)
    expect_floats(student.train_run(*args, epochs=20, lr=0.03)["losses"],
                  expected.train_run(*args, epochs=20, lr=0.03)["losses"], "the losses of train(..., epochs=20, lr=0.03)")


@points(1)
def test_train_updates_model(student, expected):
    """train updates the model's weights in place"""
    x, y = data(1)
    args = ("linear", init("linear", 2), x, y)
    check_state(student.train_run(*args, epochs=20, lr=0.03)["state"],
                expected.train_run(*args, epochs=20, lr=0.03)["state"], "after train(..., epochs=20, lr=0.03)")


@points(1)
def test_train_defaults(student, expected):
    """train defaults to 100 epochs at lr=0.01"""
    x, y = data(3)
    args = ("linear", init("linear", 4), x, y)
    got, want = student.train_run(*args), expected.train_run(*args)
    expect_type(got["losses"], list, "train(model, x, y)")
    if len(got["losses"]) != 100:
        raise CheckFailure(f"train(model, x, y) ran {len(got['losses'])} epochs, expected 100",
                           "def train(model, inputs, targets, epochs=100, lr=0.01)")
    check_state(got["state"], want["state"], "after train(model, x, y)")


@points(1)
def test_evaluate_value(student, expected):
    """evaluate returns the mean squared error as a Python float"""
    x, y = data(5)
    args = ("linear", init("linear", 6), x, y, True, False)
    expect_float(student.evaluate_spy(*args)["value"], expected.evaluate_spy(*args)["value"], "evaluate(model, x, y)",
                 "Return nn.MSELoss()(model(inputs), targets).item().")


def check_modes(got, start):
    mode = "train" if start else "eval"
    if not got["seen"]:
        raise CheckFailure("evaluate never ran the model's forward pass")
    if any(training for training, _ in got["seen"]):
        raise CheckFailure("the forward pass ran in train mode", "Call model.eval() before the forward pass.")
    if any(grad for _, grad in got["seen"]):
        raise CheckFailure("the forward pass ran with gradient tracking on",
                           "Run it inside `with torch.no_grad():` so no graph is built.")
    if got["training_after"] != start:
        raise CheckFailure(f"the model arrived in {mode} mode and was left in the other",
                           "Remember model.training first and restore it with model.train(was_training).")


@points(2)
def test_evaluate_modes(student):
    """evaluate runs in eval mode without gradients and restores train mode"""
    x, y = data(5)
    check_modes(student.evaluate_spy("dropout", init("dropout", 7), x, y, True, False), True)
