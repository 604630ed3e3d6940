"""Probes for tensor_creation: run in the sandbox, return plain data.

A probe receives the student's module first. Names not defined here call the
student's function of the same name with the given arguments.
"""
import numpy as np
import torch

from grader.authoring.probes import need


def describe_made(student, shape, dtype, device, requires_grad):
    """describe() on a tensor built here, where meta tensors and grad flags exist."""
    t = torch.zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)
    return need(student, "describe")(t)


def shared_after_write(student, values, dtype):
    """from_numpy_shared(a), then a write to `a`: does the tensor see it?"""
    a = values.numpy().astype(dtype)
    t = need(student, "from_numpy_shared")(a)
    before = t.clone() if type(t) is torch.Tensor else t
    a += 1
    return {"before": before, "after": t}


def to_float32_of(student, values, dtype, transpose):
    a = values.numpy().astype(dtype)
    if transpose:
        a = a.T
    return need(student, "to_float32")(a)


def to_numpy_of(student, values, requires_grad):
    t = values.clone().requires_grad_(requires_grad)
    return need(student, "to_numpy")(t)
