# fails: gradient_of_other_functions
# bug: calls autograd.grad even when fn(x) does not require grad
# hint: When fn ignores x, fn(x) does not require grad and backward() or autograd.grad raises: check out.requires_grad and return torch.zeros_like(x) then.
# base: reference


def gradient(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    (grad,) = torch.autograd.grad(out, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad.detach()
