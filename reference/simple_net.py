"""Assignment 3: neural networks the PyTorch way.

An nn.Module bundles parameters with the computation that uses them. Layers you
assign as attributes in __init__ are registered automatically, so
model.parameters() finds every weight and an optimizer can update them all.
"""
import torch
from torch import nn


class SimpleNet(nn.Module):
    """A two-layer network: fc2(relu(fc1(x))).

    SimpleNet(in_features=10, hidden=50, out_features=1). Name the layers exactly
    fc1 = nn.Linear(in_features, hidden) and fc2 = nn.Linear(hidden, out_features):
    saved weights (the state_dict) are found by these names. Don't add other
    parameters; an nn.ReLU() attribute is fine (it has none).
    """

    def __init__(self, in_features=10, hidden=50, out_features=1):
        super().__init__()  # always first: it sets up the parameter registry
        ### BEGIN SOLUTION
        self.fc1 = nn.Linear(in_features, hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.fc2(self.relu(self.fc1(x)))
        ### END SOLUTION


def count_parameters(model):
    """Return the number of trainable parameter elements of any nn.Module, as a Python int.

    Count p.numel() for each p in model.parameters() that requires grad (frozen
    ones don't train). parameters() yields a shared parameter once, so it is
    counted once. count_parameters(SimpleNet()) is 10*50 + 50 + 50*1 + 1 = 601.
    """
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


def grad_means(model):
    """Return {name: mean of that parameter's .grad as a Python float} after a backward pass.

    Use model.named_parameters(); leave out parameters whose .grad is None (frozen
    or unused ones). .item() turns a 0-dim tensor into a Python float.
    """
    ### BEGIN SOLUTION
    return {name: p.grad.mean().item() for name, p in model.named_parameters() if p.grad is not None}
    ### END SOLUTION
