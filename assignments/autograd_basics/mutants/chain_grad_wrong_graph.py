# fails: chain_grad, square_and_chain_elsewhere
# bug: z = y + y instead of y * y
# hint: Build the lesson's graph exactly: y = x + 3, z = y * y (not y + y), w = z - 4.
"""Reference solution: autograd_basics."""
import torch


def square_grad(x):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y = t ** 2
    y.backward()
    return t.grad


def chain_grad(x):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y = t + 3
    z = y + y
    w = z - 4
    w.backward()
    return w.detach(), t.grad


def gradient(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad.detach()


def piecewise(x):
    if x > 0:
        return 2 * x
    return 3 * x


def accumulate(x, times):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    for _ in range(times):
        y = t ** 2
        y.backward()
    return t.grad
