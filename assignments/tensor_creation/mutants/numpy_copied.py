# fails: from_numpy_shares_memory, numpy_round_trips
# bug: torch.tensor(a) copies instead of sharing
# hint: torch.from_numpy(a) shares memory with the array; torch.tensor(a) makes a copy that never sees later writes.
"""Reference solution: tensor_creation."""
import numpy as np
import torch


def from_data(values):
    return torch.tensor(values, dtype=torch.float32)


def make_zeros(rows, cols):
    return torch.zeros(rows, cols, dtype=torch.float32)


def make_ones(rows, cols):
    return torch.ones(rows, cols, dtype=torch.float32)


def make_randn(rows, cols, seed):
    return torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed))


def describe(t):
    return {"shape": tuple(t.shape), "dtype": t.dtype, "device": t.device, "requires_grad": t.requires_grad}


def from_numpy_shared(a):
    return torch.tensor(a)


def to_float32(a):
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float32)


def to_numpy(t):
    return t.detach().cpu().numpy()
