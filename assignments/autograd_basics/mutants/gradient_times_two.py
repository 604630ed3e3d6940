# fails: gradient_leaves_x_alone, gradient_of_other_functions, gradient_values
# bug: scales the gradient
# hint: The gradient comes out twice too large: return autograd's gradient as it is, with no extra factor.
# base: reference


def gradient(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out, leaf, allow_unused=True)
    return torch.zeros_like(x) if grad is None else 2 * grad.detach()
