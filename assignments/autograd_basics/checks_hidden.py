"""Hidden checks for autograd_basics: other points, functions, shapes and dtypes."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, points


@points(1)
def test_square_and_chain_elsewhere(student, expected, hidden_generator):
    """square_grad and chain_grad at other points"""
    gen = hidden_generator(201)
    for x in (0.0, *(torch.rand(2, generator=gen) * 20 - 10).tolist()):
        expect_close(student.square_grad(x), expected.square_grad(x), "square_grad at a hidden point")
    for x in (-3.0, *(torch.rand(2, generator=gen) * 20 - 10).tolist()):
        got, want = student.chain_grad(x), expected.chain_grad(x)
        if type(got) is not tuple or len(got) != 2:
            raise CheckFailure("chain_grad should return a pair (w, dw_dx)")
        expect_close(got[0].detach() if type(got[0]) is torch.Tensor else got[0], want[0], "w at a hidden point")
        expect_close(got[1], want[1], "dw/dx at a hidden point")


@points(1)
def test_gradient_of_other_functions(student, expected, hidden_generator):
    """gradient works for other functions, shapes and dtypes"""
    gen = hidden_generator(202)
    cases = [("weighted_sin", torch.randn(2, 3, generator=gen)),
             ("first_only", torch.randn(4, generator=gen)),
             ("constant", torch.randn(3, 2, generator=gen)),
             ("product_mean", torch.randn(5, generator=gen, dtype=torch.float64)),
             ("logsumexp", torch.randn(2, 2, 2, generator=gen))]
    for name, x in cases:
        expect_close(student.gradient_of(name, x)["grad"], expected.gradient_of(name, x)["grad"],
                     f"gradient of a hidden function ({tuple(x.shape)}, {x.dtype})")


@points(1)
def test_piecewise_edges(student, expected, hidden_generator):
    """piecewise at 0 (the else branch) and at other points"""
    far = (torch.rand(2, generator=hidden_generator(203)) * 300 + 1).tolist()
    for value in (0.0, 1e-3, -far[0], far[1]):
        got, want = student.piecewise_backward(value), expected.piecewise_backward(value)
        expect_close(got["y"], want["y"], "piecewise at a hidden point")
        if got["grad"] is None:
            raise CheckFailure("no gradient reached x through piecewise")
        expect_close(got["grad"], want["grad"], "the gradient of piecewise at a hidden point")


@points(1)
def test_accumulate_other_counts(student, expected, hidden_generator):
    """accumulate for one and for many calls, at other points"""
    gen = hidden_generator(204)  # |x| >= 0.25: an extra or missing call changes the answer by 2|x|
    xs = ((torch.rand(3, generator=gen) * 4 + 0.25) * torch.tensor([1.0, -1.0, 1.0])).tolist()
    for x, times in zip(xs, [1] + torch.randint(2, 13, (2,), generator=gen).tolist()):
        expect_close(student.accumulate(x, times), expected.accumulate(x, times), f"accumulate(x, times={times})")
