"""Public checks for autograd_basics: the lesson's examples."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, points

FLOAT32_HINT = "Make the leaf float32: torch.tensor(x, requires_grad=True) is float32 already."


@points(1)
def test_square_grad(student, expected):
    """square_grad(3.0) is 6, by autograd"""
    expect_close(student.square_grad(3.0), expected.square_grad(3.0), "square_grad(3.0)", dtype_hint=FLOAT32_HINT)


@points(1)
def test_chain_grad(student, expected):
    """chain_grad(2.0) gives w = 21 and dw/dx = 10"""
    got, want = student.chain_grad(2.0), expected.chain_grad(2.0)
    if type(got) is not tuple or len(got) != 2:
        raise CheckFailure("chain_grad should return a pair (w, dw_dx)", "return w, x.grad")
    expect_close(got[0].detach() if type(got[0]) is torch.Tensor else got[0], want[0], "w from chain_grad(2.0)",
                 hint="w = z - 4 with z = y * y and y = x + 3.")
    expect_close(got[1], want[1], "dw/dx from chain_grad(2.0)", hint="Call w.backward() and read x.grad.")


@points(1)
def test_gradient_values(student, expected):
    """gradient finds d/dx of sum(x**2)"""
    x = torch.tensor([1.0, 2.0, 3.0])
    expect_close(student.gradient_of("sum_squares", x)["grad"], expected.gradient_of("sum_squares", x)["grad"],
                 "gradient(lambda t: (t ** 2).sum(), tensor([1., 2., 3.]))", check_device=True)


@points(1)
def test_gradient_leaves_x_alone(student, expected):
    """gradient leaves x untouched and returns a plain tensor"""
    x = torch.tensor([1.0, 2.0, 3.0])
    got = student.gradient_of("sum_squares", x)
    # The right gradient first: returning None, or x itself, leaves x alone too.
    expect_close(got["grad"], expected.gradient_of("sum_squares", x)["grad"],
                 "gradient(lambda t: (t ** 2).sum(), tensor([1., 2., 3.]))")
    if got["x_requires_grad"] or not got["x_grad_is_none"] or not got["x_unchanged"]:
        raise CheckFailure("gradient changed its argument x (its requires_grad, .grad or values)",
                           "Work on a copy: leaf = x.detach().clone().requires_grad_(True).")
    if type(got["grad"]) is torch.Tensor and got["grad"].requires_grad:
        raise CheckFailure("the gradient returned still requires grad",
                           "Return grad.detach(): callers want numbers, not a graph.")


@points(1)
def test_piecewise(student, expected):
    """piecewise gives 2x for x > 0 and 3x otherwise, and gradients flow"""
    for value in (2.0, -1.0):
        got, want = student.piecewise_backward(value), expected.piecewise_backward(value)
        expect_close(got["y"], want["y"], f"piecewise(tensor({value}))")
        if got["grad"] is None:
            raise CheckFailure(f"no gradient reached x after piecewise(tensor({value})).backward()",
                               "Compute with x itself (2 * x), not with x.item() or a new tensor.")
        expect_close(got["grad"], want["grad"], f"the gradient of piecewise at {value}")


@points(1)
def test_accumulate(student, expected):
    """accumulate(3.0, 3) adds three gradients: 18"""
    # Three calls, not two: zeroing between calls (6), one call short (12) and one too many (24) then differ.
    expect_close(student.accumulate(3.0, 3), expected.accumulate(3.0, 3), "accumulate(3.0, times=3)")
