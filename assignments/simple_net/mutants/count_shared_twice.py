# fails: count_frozen_shared_and_others
# bug: walks modules, so a shared layer counts twice
# hint: Walk model.parameters(): it yields a shared parameter once. Walking the modules counts it twice.
# base: reference


def count_parameters(model):
    return sum(p.numel() for m in model.modules(remove_duplicate=False) for p in m.parameters(recurse=False) if p.requires_grad)
