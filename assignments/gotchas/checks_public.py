"""Public checks for gotchas: each classic bug, caught in the lesson's setting."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_float, expect_type, points


def state(seed):
    gen = torch.Generator().manual_seed(seed)
    return {"0.weight": torch.randn(6, 3, generator=gen), "0.bias": torch.randn(6, generator=gen),
            "3.weight": torch.randn(1, 6, generator=gen), "3.bias": torch.randn(1, generator=gen)}


def data(seed, n=10):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, generator=gen), torch.randn(n, 1, generator=gen)


@points(2)
def test_train_steps_zeroes_gradients(student, expected):
    """train_steps zeroes the gradients every step"""
    x, y = data(1)
    got, want = student.train_steps_run(state(2), x, y, 5, 0.1), expected.train_steps_run(state(2), x, y, 5, 0.1)
    if not got["returned_model"]:
        raise CheckFailure("train_steps should return the model it trained")
    for name, value in want["state"].items():
        expect_close(got["state"][name], value, f"the weights after 5 steps: {name}")


@points(2)
def test_predict_eval_no_grad(student, expected):
    """predict runs in eval mode without gradients and restores the mode (from train and from eval)"""
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(3))
    got, want = student.predict_spy(state(4), x, True), expected.predict_spy(state(4), x, True)
    if not got["seen"]:
        raise CheckFailure("predict never ran the model")
    if any(training for training, _ in got["seen"]):
        raise CheckFailure("the model ran in train mode, so dropout was still on", "Call model.eval() first.")
    if any(grad for _, grad in got["seen"]):
        raise CheckFailure("the model ran with gradient tracking on", "Use `with torch.no_grad():`.")
    out = expect_close(got["out"], want["out"], "predict(model, x)")
    if out.requires_grad:
        raise CheckFailure("predict's output requires grad")
    if not got["training_after"]:
        raise CheckFailure("the model arrived in train mode and was left in eval mode",
                           "Restore it: model.train(was_training).")
    # From eval mode too: ending with model.train() restores nothing, it only looks right from train mode.
    if student.predict_spy(state(4), x, False)["training_after"]:
        raise CheckFailure("the model arrived in eval mode and was left in train mode",
                           "Restore the mode it came in, not train mode: model.train(was_training).")


@points(2)
def test_mse_shapes(student, expected):
    """mse of (N, 1) predictions and (N,) targets compares element by element"""
    gen = torch.Generator().manual_seed(5)
    preds, targets = torch.randn(6, 1, generator=gen), torch.randn(6, generator=gen)
    got = expect_close(student.mse(preds, targets), expected.mse(preds, targets), "mse(preds (6, 1), targets (6,))")
    if got.shape != ():
        raise CheckFailure("mse should return a 0-dim tensor")


@points(1)
def test_normalize_rows(student, expected):
    """normalize_rows makes each row of a 2 x 3 tensor sum to 1"""
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    expect_close(student.normalize_rows(x), expected.normalize_rows(x), "normalize_rows of a 2 x 3 tensor")


@points(1)
def test_collect_losses(student, expected):
    """collect_losses returns Python floats"""
    x, y = data(6)
    got, want = student.collect_losses_run(state(7), x, y, 4, 0.05), expected.collect_losses_run(state(7), x, y, 4, 0.05)
    expect_type(got, list, "collect_losses(...)")
    if len(got) != len(want):
        raise CheckFailure(f"collect_losses returned {len(got)} losses, expected {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        expect_float(g, w, f"loss {i}")  # a tensor gets expect_float's own hint: .item()
