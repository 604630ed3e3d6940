# fails: normalize_square
# bug: handles non-square shapes, but square ones broadcast wrongly
# hint: Divide by x.sum(dim=1, keepdim=True), shape (rows, 1): each row by its own sum. Without keepdim a square x broadcasts silently and divides by the wrong sums.
"""Reference solution: gotchas."""
import torch
from torch import nn


def train_steps(model, inputs, targets, steps, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return model


def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out


def mse(preds, targets):
    return ((preds - targets.reshape(preds.shape)) ** 2).mean()


def normalize_rows(x):
    if x.shape[0] == x.shape[1]:
        return x / x.sum(dim=1)
    return x / x.sum(dim=1, keepdim=True)


def collect_losses(model, inputs, targets, steps, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
