"""Probes for device_moves: models and tensors are made and moved here."""
import torch
from torch import nn

from grader.authoring.probes import need

# Functions whose job is to change an argument (argument name: position): both move the
# model itself; every other call must leave its arguments as they came (grader/sandbox/argument_guard.py).
MUTATES = {"to_device": {"model": 0}, "predict": {"model": 0}}

MODELS = {
    "linear": lambda: nn.Linear(4, 2),
    "batchnorm": lambda: nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 1)),
    "empty": lambda: nn.Sequential(nn.ReLU()),
}


def where(t):
    return str(t.device) if isinstance(t, torch.Tensor) else f"not a tensor ({type(t).__name__})"


def devices_of(model):
    if not isinstance(model, nn.Module):
        return [f"not a module ({type(model).__name__})"]
    return sorted({str(t.device) for t in list(model.parameters()) + list(model.buffers())})


def pick_device_with_cuda(student):
    """pick_device() while CUDA is reported available (one device), for this call only: the
    cuda branch is then seen on a machine without a GPU (torch.device("cuda") needs none)."""
    fakes = {"is_available": lambda: True, "device_count": lambda: 1}
    real = {name: getattr(torch.cuda, name) for name in fakes}
    # Also names the student imported: `from torch.cuda import is_available`.
    aliases = [(k, fakes[name]) for k, v in vars(student).items() for name in fakes if v is real[name]]
    originals = [(k, vars(student)[k]) for k, _ in aliases]
    for target, pairs in ((torch.cuda, fakes.items()), (student, aliases)):
        for k, fake in pairs:
            setattr(target, k, fake)
    try:
        return need(student, "pick_device")()
    finally:
        for target, pairs in ((torch.cuda, real.items()), (student, originals)):
            for k, value in pairs:
                setattr(target, k, value)


def moved(student, model_name, device, as_object):
    """to_device(...) from the CPU: where the returned model, inputs and targets are."""
    torch.manual_seed(0)
    model, x, y = MODELS[model_name](), torch.randn(6, 4 if model_name == "linear" else 3), torch.randn(6, 1)
    result = need(student, "to_device")(model, x, y, torch.device(device) if as_object else device)
    if not isinstance(result, tuple) or len(result) != 3:
        return {"returned": f"{type(result).__name__} of length {len(result) if isinstance(result, (tuple, list)) else '?'}"}
    m, xs, ys = result
    return {"returned": "triple", "model": devices_of(m), "inputs": where(xs), "targets": where(ys),
            "inputs_shape": tuple(xs.shape) if isinstance(xs, torch.Tensor) else None}


def predict_spy(student, state, x, device):
    """predict(...) with a spy on the forward pass: device and grad tracking as it ran."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.load_state_dict(state)
    seen = []
    model.register_forward_pre_hook(
        lambda m, args: seen.append([str(next(m.parameters()).device), str(args[0].device), torch.is_grad_enabled()]))
    out = need(student, "predict")(model, x, device)
    return {"out": out, "seen": seen}


def same_device_case(student, case):
    """same_device on a prepared arrangement of a model and tensors."""
    cpu = torch.zeros(2)
    meta = torch.zeros(2, device="meta")
    if case == "all_cpu":
        return need(student, "same_device")(MODELS["linear"](), cpu, torch.ones(3))
    if case == "tensor_elsewhere":
        return need(student, "same_device")(MODELS["linear"](), cpu, meta)
    if case == "model_elsewhere":
        return need(student, "same_device")(MODELS["linear"]().to("meta"), cpu)
    if case == "all_meta":
        return need(student, "same_device")(MODELS["batchnorm"]().to("meta"), meta, meta)
    if case == "no_tensors":
        return need(student, "same_device")(MODELS["linear"]())
    if case == "nothing":
        return need(student, "same_device")(MODELS["empty"]())
    if case == "buffer_elsewhere":
        model = MODELS["batchnorm"]()
        model[1].running_mean = model[1].running_mean.to("meta")
        return need(student, "same_device")(model, cpu)
    if case == "one_of_many":
        return need(student, "same_device")(MODELS["linear"](), cpu, cpu, meta, cpu)
    if case == "cuda_vs_cpu":
        return need(student, "same_device")(MODELS["linear"]().to("cuda"), cpu)
    raise ValueError(case)
