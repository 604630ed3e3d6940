# fails: describe_other_tensors
# bug: answers only the lesson example
# hint: Read everything from t itself (t.shape, t.dtype, t.device, t.requires_grad): other tensors differ.
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
    return {"shape": (2, 3), "dtype": torch.float32, "device": torch.device("cpu"), "requires_grad": False}


def from_numpy_shared(a):
    return torch.from_numpy(a)


def to_float32(a):
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float32)


def to_numpy(t):
    return t.detach().cpu().numpy()
