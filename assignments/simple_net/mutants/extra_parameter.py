# fails: structure, forward, default_sizes, count_parameters, other_sizes
# bug: adds a learnable scale
# hint: SimpleNet has fc1 and fc2 and no other parameters.
"""Reference solution: simple_net."""
import torch
from torch import nn


class SimpleNet(nn.Module):
    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def grad_means(model):
    return {name: p.grad.mean().item() for name, p in model.named_parameters() if p.grad is not None}
