# fails: to_float32, numpy_round_trips
# bug: torch.from_numpy keeps NumPy's dtype
# hint: torch.from_numpy keeps NumPy's dtype: convert with .float() or .to(torch.float32).
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
    return torch.from_numpy(a)


def to_float32(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def to_numpy(t):
    return t.detach().cpu().numpy()
