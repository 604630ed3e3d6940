"""Probes for xor: the data and models are made here; solve() is timed here."""
import time

import torch
from torch import nn

from grader.authoring.probes import need

# Functions whose job is to change an argument (argument name: position); every other
# call must leave its arguments as they came (grader/sandbox/argument_guard.py).
MUTATES = {"train": {"model": 0}}

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])


def model_structure(student, *hidden):
    model = need(student, "build_model")(*hidden)
    if not isinstance(model, nn.Module):
        return {"layers": [f"not a module ({type(model).__name__})"], "shapes": []}
    return {"layers": [type(m).__name__ for m in model.children()],
            "shapes": [[name, tuple(p.shape)] for name, p in model.named_parameters()]}


def model_forward(student, hidden, state):
    model = need(student, "build_model")(hidden)
    model.load_state_dict(state)
    return model(X)


def train_run(student, state, **kwargs):
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    model.load_state_dict(state)
    losses = need(student, "train")(model, X.clone(), Y.clone(), **kwargs)
    return {"losses": losses, "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}


def solve_run(student, seeds):
    """solve(seed) for each seed: the trained model's outputs on X and the CPU seconds it took."""
    runs = []
    for seed in seeds:
        started = time.process_time()
        model = need(student, "solve")(seed)
        seconds = time.process_time() - started
        with torch.no_grad():
            out = model(X.clone())
        # 0 within the 5 s budget, so a run's answer repeats exactly and
        # a known mistake's recorded answers can be recognised (grader/engine/diagnosis.py).
        runs.append({"seed": seed, "out": out, "seconds": round(seconds, 1) if seconds > 5.0 else 0.0})
    return runs
