"""Probes for simple_net: models are built and trained here, in the sandbox."""
import torch
from torch import nn

from grader.authoring.probes import need


def net_structure(student, *sizes):
    """SimpleNet(*sizes): its parameters' names and shapes, and its state_dict keys."""
    net = need(student, "SimpleNet")(*sizes)
    return {"params": [[name, tuple(p.shape)] for name, p in net.named_parameters()],
            "state_keys": list(net.state_dict().keys()), "is_module": isinstance(net, nn.Module)}


def net_forward(student, sizes, state, x):
    """SimpleNet(*sizes) with the given weights, run on x."""
    net = need(student, "SimpleNet")(*sizes)
    net.load_state_dict(state)
    return net(x)


class _Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = self.a  # the same layer twice: one set of parameters
        self.head = nn.Linear(4, 2)


class _Frozen(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
        self.head = nn.Linear(3, 1)
        for p in self.body[0].parameters():
            p.requires_grad_(False)


MODELS = {
    "linear_3_2": lambda: nn.Linear(3, 2),
    "sequential": lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)),
    "shared": _Shared,
    "frozen": _Frozen,
    "conv": lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten()),
    "no_bias": lambda: nn.Linear(7, 5, bias=False),
}


def count_of(student, model_name):
    """count_parameters on a model built here (or on the student's SimpleNet())."""
    model = need(student, "SimpleNet")() if model_name == "student_default" else MODELS[model_name]()
    return need(student, "count_parameters")(model)


def grad_means_after_backward(student, model_name, seed):
    """grad_means after one backward pass of a model with seeded weights."""
    torch.manual_seed(seed)
    if model_name == "sequential":
        model, x = MODELS["sequential"](), torch.randn(8, 4)
        model(x).pow(2).mean().backward()
    elif model_name == "frozen":
        model, x = _Frozen(), torch.randn(5, 6)
        model.head(model.body(x)).sum().backward()
    else:  # unused: the head never takes part, so its .grad stays None
        model, x = _Shared(), torch.randn(3, 4)
        model.b(model.a(x)).tanh().sum().backward()
    return need(student, "grad_means")(model)
