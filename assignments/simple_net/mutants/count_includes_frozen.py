# fails: count_frozen_shared_and_others
# bug: counts frozen parameters too
# hint: Count only trainable parameters: those with p.requires_grad.
"""Reference solution: simple_net."""
import torch
from torch import nn


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def grad_means(model):
    return {name: p.grad.mean().item() for name, p in model.named_parameters() if p.grad is not None}
