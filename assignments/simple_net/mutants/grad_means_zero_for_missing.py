# fails: grad_means_skips_missing_gradients
# bug: reports 0.0 for parameters without a gradient
# hint: Leave out parameters whose .grad is None; don't report 0.0 for them.
# base: reference


def grad_means(model):
    return {name: (p.grad.mean().item() if p.grad is not None else 0.0) for name, p in model.named_parameters()}
