"""Assignment 1: tensors, the building blocks.

Everything in PyTorch is a tensor: a grid of numbers with a shape, a dtype and a
device. Get these three right and most PyTorch bugs never happen.
"""
import numpy as np
import torch


def from_data(values):
    """Return a float32 tensor holding `values` (a list, or a list of equal-length lists).

    torch.tensor([1, 2, 3]) gives int64, because the numbers are integers. Models
    work in float32 (PyTorch's default float), so ask for it: dtype=torch.float32.
    Example: from_data([[1, 2], [3, 4]]) -> tensor([[1., 2.], [3., 4.]])
    """
    raise NotImplementedError("from_data")


def make_zeros(rows, cols):
    """Return a float32 tensor of zeros with shape (rows, cols). Hint: torch.zeros."""
    raise NotImplementedError("make_zeros")


def make_ones(rows, cols):
    """Return a float32 tensor of ones with shape (rows, cols). Hint: torch.ones."""
    raise NotImplementedError("make_ones")


def make_randn(rows, cols, seed):
    """Return a (rows, cols) float32 tensor of standard-normal numbers, reproducible from `seed`.

    Random numbers come from a generator; seeding it makes them repeatable, which is
    how experiments stay comparable. Use torch.Generator().manual_seed(seed) and pass
    it as generator= to torch.randn (or call torch.manual_seed(seed) first).
    """
    raise NotImplementedError("make_randn")


def describe(t):
    """Return a dict describing tensor `t`.

    Keys: "shape" (a tuple of ints; t.shape is a torch.Size, which is a tuple),
    "dtype" (t.dtype), "device" (t.device) and "requires_grad" (a bool).
    These four answer most "why does this not work?" questions.
    """
    raise NotImplementedError("describe")


def from_numpy_shared(a):
    """Return a tensor that shares memory with the NumPy array `a`.

    torch.from_numpy(a) makes no copy: a later write to `a` shows in the tensor.
    Its dtype follows `a` (NumPy's float64 stays float64).
    """
    raise NotImplementedError("from_numpy_shared")


def to_float32(a):
    """Return a float32 tensor with the values of NumPy array `a`.

    `a` may have any numeric dtype and any shape, and may be a non-contiguous view
    such as a.T. A copy is fine.
    """
    raise NotImplementedError("to_float32")


def to_numpy(t):
    """Return a NumPy array with the values, shape and dtype of CPU tensor `t`.

    t.numpy() refuses a tensor that requires grad: take it off the graph first
    with t.detach().
    """
    raise NotImplementedError("to_numpy")
