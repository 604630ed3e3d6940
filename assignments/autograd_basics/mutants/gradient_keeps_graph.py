# fails: gradient_leaves_x_alone
# bug: returns a gradient that still requires grad
# hint: Return grad.detach(): callers want numbers, not a graph.
# base: reference


def gradient(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out, leaf, allow_unused=True, create_graph=True)
    return torch.zeros_like(x) if grad is None else grad
