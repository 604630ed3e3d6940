# fails: randn_is_reproducible, creation_on_new_inputs
# bug: the seed is ignored
# hint: Use the seed: torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed)).
# base: reference


def make_randn(rows, cols, seed):
    return torch.randn(rows, cols)
