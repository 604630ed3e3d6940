# fails: count_parameters, count_frozen_shared_and_others
# bug: returns a tensor, not an int
# hint: Return a Python int: sum(p.numel() for ...) is one already; don't wrap it in torch.tensor.
# base: reference


def count_parameters(model):
    return torch.tensor(sum(p.numel() for p in model.parameters() if p.requires_grad))
