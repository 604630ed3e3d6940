# fails: grad_means, grad_means_skips_missing_gradients
# bug: returns tensors, not Python floats
# hint: Each mean should be a Python float: p.grad.mean().item().
# base: reference


def grad_means(model):
    return {name: p.grad.mean() for name, p in model.named_parameters() if p.grad is not None}
