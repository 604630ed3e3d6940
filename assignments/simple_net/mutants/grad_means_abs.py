# fails: grad_means, grad_means_skips_missing_gradients
# bug: averages the absolute gradients
# hint: Average the gradient itself, signs included: p.grad.mean(), not p.grad.abs().mean().
# base: reference


def grad_means(model):
    return {name: p.grad.abs().mean().item() for name, p in model.named_parameters() if p.grad is not None}
