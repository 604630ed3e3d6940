"""Hidden checks for training_loop: stale gradients, another model, eval-mode models."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_float, expect_floats, points, seeded_tensors


def data(gen, n, outputs):
    x = torch.randn(n, 3, generator=gen)
    return x, torch.randn(n, outputs, generator=gen)


SHAPES = {"linear": {"weight": (1, 3), "bias": (1,)},
          "mlp": {"0.weight": (8, 3), "0.bias": (8,), "2.weight": (2, 8), "2.bias": (2,)},
          "dropout": {"0.weight": (6, 3), "0.bias": (6,), "3.weight": (1, 6), "3.bias": (1,)}}


def init(arch, gen):
    return seeded_tensors(SHAPES[arch], gen, scale=0.5)


def check_run(got, want, what):
    expect_floats(got["losses"], want["losses"], f"the losses of {what}")
    for name, value in want["state"].items():
        expect_close(got["state"][name], value, f"{what}: {name}")


@points(1)
def test_train_ignores_stale_gradients(student, expected, hidden_generator):
    """old gradients on the model do not leak into any step"""
    gen = hidden_generator(21)
    x, y = data(gen, 12, 1)
    args = ("linear", init("linear", gen), x, y, True)
    check_run(student.train_run(*args, epochs=7, lr=0.03), expected.train_run(*args, epochs=7, lr=0.03),
              "train on a model with stale gradients")


@points(1)
def test_train_other_model(student, expected, hidden_generator):
    """train works for a deeper model with two outputs"""
    gen = hidden_generator(23)
    x, y = data(gen, 20, 2)
    args = ("mlp", init("mlp", gen), x, y)
    check_run(student.train_run(*args, epochs=15, lr=0.1), expected.train_run(*args, epochs=15, lr=0.1),
              "train on a hidden model")


@points(1)
def test_evaluate_leaves_model_alone(student, expected, hidden_generator):
    """evaluate keeps eval mode, weights and gradients as they were"""
    gen = hidden_generator(25)
    x, y = data(gen, 10, 1)
    state = init("dropout", gen)
    got = student.evaluate_spy("dropout", state, x, y, False, True)
    want = expected.evaluate_spy("dropout", state, x, y, False, True)
    if got["training_after"]:
        raise CheckFailure("the model arrived in eval mode and was left in train mode")
    if not got["same_state"]:
        raise CheckFailure("evaluate changed the model's weights")
    if not got["same_grads"]:
        raise CheckFailure("evaluate changed the parameters' gradients", "Evaluation needs no zero_grad() or backward().")
    expect_float(got["value"], want["value"], "evaluate on a hidden model")
