"""Assignment 6: common gotchas and how to avoid them.

Each function below runs, and each is wrong in a way that PyTorch will not warn
you about. Read the docstring, find the bug, fix it. These are the bugs that cost
people days: learn to spot them here.
"""
import torch
from torch import nn


def train_steps(model, inputs, targets, steps, lr):
    """Take `steps` full-batch SGD(lr) steps on nn.MSELoss, in place; return `model`.

    BUG: the gradients are never zeroed. backward() adds to .grad, so every step
    uses the sum of all gradients so far. Zero them before each backward().
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        ### BEGIN SOLUTION
        optimizer.zero_grad()
        ### END SOLUTION
        ### BEGIN STUB
        ### END STUB
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return model


def predict(model, x):
    """Return model's output on x, computed in eval mode with gradient tracking off.

    BUG: it runs in train mode (dropout stays on) and builds a graph nobody needs.
    Use model.eval() and torch.no_grad(), then put the model back in the mode it
    was in (model.training tells you which).
    """
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out
    ### END SOLUTION
    ### BEGIN STUB
    # return model(x)
    ### END STUB


def mse(preds, targets):
    """Mean squared error between preds of shape (N, 1) and targets of shape (N,) or (N, 1).

    BUG: (N, 1) - (N,) broadcasts to an (N, N) matrix, silently. Make the shapes
    match first (targets.reshape(preds.shape), or .view(-1, 1)).
    """
    ### BEGIN SOLUTION
    return ((preds - targets.reshape(preds.shape)) ** 2).mean()
    ### END SOLUTION
    ### BEGIN STUB
    # return ((preds - targets) ** 2).mean()
    ### END STUB


def normalize_rows(x):
    """Divide each row of the 2-D tensor x by its sum, so every row sums to 1.

    BUG: x.sum(dim=1) has shape (rows,), which lines up with the columns, not the
    rows: it fails for most shapes and is silently wrong for square ones. Keep the
    summed dimension: x.sum(dim=1, keepdim=True) has shape (rows, 1).
    """
    ### BEGIN SOLUTION
    return x / x.sum(dim=1, keepdim=True)
    ### END SOLUTION
    ### BEGIN STUB
    # return x / x.sum(dim=1)
    ### END STUB


def collect_losses(model, inputs, targets, steps, lr):
    """Train like train_steps (gradients zeroed!) and return the `steps` losses as Python floats.

    BUG: it appends the loss tensors, and each one keeps its whole graph alive,
    so memory grows every step. Append loss.item() instead.
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        ### BEGIN SOLUTION
        losses.append(loss.item())
        ### END SOLUTION
        ### BEGIN STUB
        # losses.append(loss)
        ### END STUB
    return losses
