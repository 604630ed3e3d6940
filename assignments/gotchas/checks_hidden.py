"""Hidden checks for gotchas: the shapes where the bugs hide silently."""
import torch

from grader.authoring.checks import expect_close, points


@points(1)
def test_normalize_square(student, expected, hidden_generator):
    """normalize_rows is right for square tensors too"""
    gen = hidden_generator(31)
    for n in (2, 3, 5):
        x = torch.rand(n, n, generator=gen) + 0.1
        expect_close(student.normalize_rows(x), expected.normalize_rows(x), f"normalize_rows of a {n} x {n} tensor")
    x = torch.rand(4, 7, generator=gen) + 0.1
    expect_close(student.normalize_rows(x), expected.normalize_rows(x), "normalize_rows of a 4 x 7 tensor")


@points(1)
def test_mse_other_shapes(student, expected, hidden_generator):
    """mse for (N, 1) targets and other sizes"""
    gen = hidden_generator(32)
    for n, target_shape in ((9, (9, 1)), (1, (1,)), (4, (4,)), (12, (12, 1))):
        preds, targets = torch.randn(n, 1, generator=gen), torch.randn(*target_shape, generator=gen)
        expect_close(student.mse(preds, targets), expected.mse(preds, targets), f"mse with targets of shape {target_shape}")
