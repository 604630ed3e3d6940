# fails: gradient_of_other_functions
# bug: returns None where fn does not depend on x
# hint: Where fn(x) does not depend on x autograd gives None: return torch.zeros_like(x) instead.
# base: reference


def gradient(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out, leaf, allow_unused=True)
    return grad if grad is None else grad.detach()
