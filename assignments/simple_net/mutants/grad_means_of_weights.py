# fails: grad_means, grad_means_skips_missing_gradients
# bug: averages the weights, not their gradients
# hint: Average the gradient (p.grad.mean()), not the parameter's own values (p.mean()).
# base: reference


def grad_means(model):
    return {name: p.mean().item() for name, p in model.named_parameters() if p.grad is not None}
