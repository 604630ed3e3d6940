# fails: from_numpy_shares_memory, numpy_round_trips
# bug: torch.tensor(a) copies instead of sharing
# hint: torch.from_numpy(a) shares memory with the array; torch.tensor(a) makes a copy that never sees later writes.
# base: reference


def from_numpy_shared(a):
    return torch.tensor(a)
