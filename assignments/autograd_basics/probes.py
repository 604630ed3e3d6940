"""Probes for autograd_basics: functions and leaves are made here, in the sandbox."""
import torch

from grader.authoring.probes import need

FUNCTIONS = {
    "sum_squares": lambda t: (t ** 2).sum(),
    "weighted_sin": lambda t: (torch.sin(t) * torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape)).sum(),
    "first_only": lambda t: t.reshape(-1)[0] * 5,
    "constant": lambda t: torch.tensor(1.5, dtype=t.dtype),
    "product_mean": lambda t: (t * t.flip(-1)).mean(),
    "logsumexp": lambda t: torch.logsumexp(t.reshape(-1), 0),
}


def gradient_of(student, fn_name, x):
    """gradient(fn, x) and what became of x."""
    given = x.clone()
    result = need(student, "gradient")(FUNCTIONS[fn_name], given)
    return {"grad": result, "x_requires_grad": given.requires_grad, "x_grad_is_none": given.grad is None,
            "x_unchanged": bool(torch.equal(given.detach(), x))}


def piecewise_backward(student, value):
    """piecewise on a leaf that requires grad, then backward(): value and gradient."""
    x = torch.tensor(value, dtype=torch.float32, requires_grad=True)
    y = need(student, "piecewise")(x)
    if type(y) is not torch.Tensor:
        return {"y": y, "grad": None}
    if y.requires_grad and y.dim() == 0:
        y.backward()
    return {"y": y.detach(), "grad": x.grad}
