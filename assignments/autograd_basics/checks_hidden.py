"""Hidden checks for autograd_basics: other points, functions, shapes and dtypes."""
import torch

from grader.checks import CheckFailure, expect_close, points


@points(1)
def test_square_and_chain_elsewhere(student, expected):
    """square_grad and chain_grad at other points"""
    for x in (-1.5, 0.0, 7.25):
        expect_close(student.square_grad(x), expected.square_grad(x), "square_grad at a hidden point")
    for x in (-3.0, 0.5):
        got, want = student.chain_grad(x), expected.chain_grad(x)
        if type(got) is not tuple or len(got) != 2:
            raise CheckFailure("chain_grad should return a pair (w, dw_dx)")
        expect_close(got[0].detach() if type(got[0]) is torch.Tensor else got[0], want[0], "w at a hidden point")
        expect_close(got[1], want[1], "dw/dx at a hidden point")


@points(1)
def test_gradient_of_other_functions(student, expected):
    """gradient works for other functions, shapes and dtypes"""
    gen = torch.Generator().manual_seed(202)
    cases = [("weighted_sin", torch.randn(2, 3, generator=gen)),
             ("first_only", torch.randn(4, generator=gen)),
             ("constant", torch.randn(3, 2, generator=gen)),
             ("product_mean", torch.randn(5, generator=gen, dtype=torch.float64)),
             ("logsumexp", torch.randn(2, 2, 2, generator=gen))]
    for name, x in cases:
        expect_close(student.gradient_of(name, x)["grad"], expected.gradient_of(name, x)["grad"],
                     f"gradient of a hidden function ({tuple(x.shape)}, {x.dtype})")


@points(1)
def test_piecewise_edges(student, expected):
    """piecewise at 0 (the else branch) and at other points"""
    for value in (0.0, 1e-3, -250.0, 13.5):
        got, want = student.piecewise_backward(value), expected.piecewise_backward(value)
        expect_close(got["y"], want["y"], "piecewise at a hidden point")
        if got["grad"] is None:
            raise CheckFailure("no gradient reached x through piecewise")
        expect_close(got["grad"], want["grad"], "the gradient of piecewise at a hidden point")


@points(1)
def test_accumulate_other_counts(student, expected):
    """accumulate for one and for many calls, at other points"""
    for x, times in ((3.0, 1), (-2.0, 5), (0.25, 10)):
        expect_close(student.accumulate(x, times), expected.accumulate(x, times), f"accumulate(x, times={times})")
