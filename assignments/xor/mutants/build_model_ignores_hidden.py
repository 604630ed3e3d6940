# fails: build_model, build_model_forward
# bug: ignores hidden: always 4 units
# hint: build_model ignores its hidden argument: use it in both layers, nn.Linear(2, hidden) and nn.Linear(hidden, 1).
"""Reference solution: xor."""
import torch
from torch import nn


def xor_data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def build_model(hidden=4):
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())


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
    for attempt in range(20):
        torch.manual_seed(seed * 31 + attempt)
        model = build_model(hidden=16)
        train(model, X, y, epochs=300, lr=0.05)
        with torch.no_grad():
            out = model(X)
        if torch.equal((out > 0.5).float(), y) and bool(((out > 0) & (out < 1)).all()):
            return model
    return model
