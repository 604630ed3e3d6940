# fails: count_frozen_shared_and_others
# bug: counts frozen parameters too
# hint: Count only trainable parameters: those with p.requires_grad.
# base: reference


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
