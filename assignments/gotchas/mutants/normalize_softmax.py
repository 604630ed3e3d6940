# fails: normalize_rows, normalize_square
# bug: softmax instead of dividing by the row sums
# hint: Softmax divides exp(x) by the sum of exps; here divide x itself by its row sums: x / x.sum(dim=1, keepdim=True).
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
    return torch.softmax(x, dim=1)


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
