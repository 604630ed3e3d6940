# fails: solve_many_seeds
# bug: the lesson's 4-unit net, no restarts: stuck for some seeds
# hint: The 4-unit network gets stuck for about half of all seeds: use a wider layer, or retrain with another seed until the outputs are right.
"""Reference solution: xor."""
import torch
from torch import nn


def xor_data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def build_model(hidden=4):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1), nn.Sigmoid())


def train(model, X, y, epochs=1000, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def solve(seed):
    # A 16-unit layer rarely gets stuck; restarts with new seeds catch the rest.
    X, y = xor_data()
    torch.manual_seed(seed)
    model = build_model()
    train(model, X, y)
    return model
