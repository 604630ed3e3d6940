# fails: gradient_values, gradient_of_other_functions, gradient_leaves_x_alone
# bug: sets requires_grad on the caller's x
# hint: Work on a copy, leaf = x.detach().clone().requires_grad_(True): the caller's x must stay as it was.
# base: reference


def gradient(fn, x):
    leaf = x.requires_grad_(True)
    out = fn(leaf)
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad.detach()
