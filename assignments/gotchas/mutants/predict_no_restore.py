# fails: predict_eval_no_grad
# bug: leaves the model in eval mode
# hint: Restore the mode the model came in: was_training = model.training first, model.train(was_training) at the end.
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
    return out


def mse(preds, targets):
    return ((preds - targets.reshape(preds.shape)) ** 2).mean()


def normalize_rows(x):
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
