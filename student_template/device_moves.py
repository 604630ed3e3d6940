"""Assignment 5: GPU acceleration.

A tensor lives on one device (the CPU, a GPU) and an operation needs all its
tensors on the same one. Models and data are moved with .to(device); the classic
error "Expected all tensors to be on the same device" means one of them wasn't.
"""
import torch


def pick_device():
    """Return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu").

    Return a torch.device object, not a string: code that follows can compare it
    and read device.type.
    """
    raise NotImplementedError("pick_device")


def to_device(model, inputs, targets, device):
    """Move the model and both tensors to `device`; return (model, inputs, targets).

    `device` is a torch.device or a string ("cpu", "cuda", "meta"). For a module,
    model.to(device) moves its parameters and buffers in place; for a tensor,
    t.to(device) returns a new tensor, so keep what it returns.
    """
    raise NotImplementedError("to_device")


def predict(model, x, device):
    """Run `model` on `x` on `device` with gradient tracking off; return the output on the CPU.

    Move both model and x to the device, compute inside torch.no_grad(), and
    bring the result back with .cpu() (NumPy and printing want CPU tensors).
    """
    raise NotImplementedError("predict")


def same_device(model, *tensors):
    """Return True when every parameter and buffer of `model` and every tensor are on one device.

    Buffers (like BatchNorm's running statistics) count too. With nothing to
    compare, return True.
    """
    raise NotImplementedError("same_device")
