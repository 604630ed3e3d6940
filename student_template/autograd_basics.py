"""Assignment 2: the magic of autograd.

Mark a tensor with requires_grad=True and PyTorch records every operation on it in
a graph. Calling .backward() on a scalar result walks that graph backwards and
leaves d(result)/d(tensor) in the tensor's .grad. No derivative by hand.
"""
import torch


def square_grad(x):
    """Return dy/dx of y = x**2 at the Python float `x`, computed by autograd.

    Make a float32 leaf with torch.tensor(x, requires_grad=True), compute y,
    call y.backward() and return the leaf's .grad (a 0-dim float32 tensor).
    square_grad(3.0) -> tensor(6.)
    """
    raise NotImplementedError("square_grad")


def chain_grad(x):
    """The lesson's graph: y = x + 3, z = y * y, w = z - 4. Return (w, dw/dx).

    Both are 0-dim float32 tensors; autograd applies the chain rule for you:
    dw/dx = dw/dz * dz/dy * dy/dx = 1 * 2y * 1.  chain_grad(2.0) -> (21, 10)
    """
    raise NotImplementedError("chain_grad")


def gradient(fn, x):
    """Return the gradient of the scalar fn(x) with respect to tensor `x`.

    `x` does not require grad and must stay untouched: work on a copy,
    x.detach().clone().requires_grad_(True). The result has x's shape and dtype,
    does not require grad, and is zero where fn(x) does not depend on x
    (torch.autograd.grad(..., allow_unused=True) returns None when nothing depends).
    """
    raise NotImplementedError("gradient")


def piecewise(x):
    """Return 2*x if x > 0 else 3*x, for a 0-dim tensor `x`, using a Python `if`.

    PyTorch builds the graph as the code runs (a dynamic graph), so ordinary
    control flow works and gradients still flow: backward() gives 2 or 3.
    """
    raise NotImplementedError("piecewise")


def accumulate(x, times):
    """Call backward() on a fresh y = x**2 `times` times without zeroing; return x.grad.

    Gradients add up in .grad until you zero them, so the result is times * 2x.
    This is why training loops call optimizer.zero_grad() every step.
    """
    raise NotImplementedError("accumulate")
