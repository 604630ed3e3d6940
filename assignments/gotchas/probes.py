"""Probes for gotchas: models with dropout, spies on the forward pass."""
import torch
from torch import nn

from grader.authoring.probes import need

# Functions whose job is to change an argument (argument name: position); every other
# call must leave its arguments as they came (grader/sandbox/argument_guard.py).
MUTATES = {"train_steps": {"model": 0}, "collect_losses": {"model": 0}}


def build(state):
    model = nn.Sequential(nn.Linear(3, 6), nn.Dropout(0.5), nn.Tanh(), nn.Linear(6, 1))
    model.load_state_dict(state)
    return model


def train_steps_run(student, state, inputs, targets, steps, lr):
    model = build(state)
    model.eval()  # dropout off: the weights then depend on the steps alone
    returned = need(student, "train_steps")(model, inputs, targets, steps, lr)
    return {"returned_model": returned is model,
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}


def predict_spy(student, state, x, training):
    model = build(state)
    model.train(training)
    seen = []
    model.register_forward_pre_hook(lambda m, args: seen.append([m.training, torch.is_grad_enabled()]))
    out = need(student, "predict")(model, x)
    return {"out": out, "seen": seen, "training_after": model.training}


def collect_losses_run(student, state, inputs, targets, steps, lr):
    model = build(state)
    model.eval()  # deterministic: no dropout while collecting
    return need(student, "collect_losses")(model, inputs, targets, steps, lr)
