# fails: count_parameters, count_frozen_shared_and_others
# bug: returns a tensor, not an int
# hint: Return a Python int: sum(p.numel() for ...) is one already; don't wrap it in torch.tensor.
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
    return torch.tensor(sum(p.numel() for p in model.parameters() if p.requires_grad))


def grad_means(model):
    return {name: p.grad.mean().item() for name, p in model.named_parameters() if p.grad is not None}
