"""Probes for training_loop: models are built, spied on and trained here."""
import torch
from torch import nn

from grader.authoring.probes import need

# Functions whose job is to change an argument (argument name: position); every other
# call must leave its arguments as they came (grader/sandbox/argument_guard.py).
MUTATES = {"train": {"model": 0}}

ARCHS = {
    "linear": lambda: nn.Linear(3, 1),
    "mlp": lambda: nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)),
    "dropout": lambda: nn.Sequential(nn.Linear(3, 6), nn.Dropout(0.5), nn.ReLU(), nn.Linear(6, 1)),
}


def build(arch, state, stale):
    model = ARCHS[arch]()
    model.load_state_dict(state)
    if stale:  # gradients left over from earlier work
        for p in model.parameters():
            p.grad = torch.full_like(p, 3.0)
    return model


def snapshot(model):
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


def train_run(student, arch, state, inputs, targets, stale=False, **kwargs):
    """train(...) on a model with the given weights: the losses and the weights after."""
    model = build(arch, state, stale)
    losses = need(student, "train")(model, inputs, targets, **kwargs)
    return {"losses": losses, "state": snapshot(model)}


def evaluate_spy(student, arch, state, inputs, targets, training, stale):
    """evaluate(...) with a spy on the forward pass: mode and grad tracking as it ran."""
    model = build(arch, state, stale)
    model.train(training)
    seen = []
    model.register_forward_pre_hook(lambda m, args: seen.append([m.training, torch.is_grad_enabled()]))
    before, grads = snapshot(model), [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    value = need(student, "evaluate")(model, inputs, targets)
    after_grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
    same_grads = all((a is None and b is None) or (a is not None and b is not None and torch.equal(a, b))
                     for a, b in zip(grads, after_grads))
    same_state = all(torch.equal(before[k], v) for k, v in snapshot(model).items())
    return {"value": value, "seen": seen, "training_after": model.training,
            "same_state": same_state, "same_grads": same_grads}
