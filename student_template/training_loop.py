"""Assignment 4: the heartbeat of deep learning.

Every training loop repeats five steps: forward pass, loss, zero the gradients,
backward pass, optimizer step. Evaluation is different: no learning, so no
gradient tracking, and layers like dropout switched to eval behaviour.
"""
import torch
from torch import nn


def train(model, inputs, targets, epochs=100, lr=0.01):
    """Train `model` in place on the full batch for `epochs` epochs; return the losses.

    Each epoch: outputs = model(inputs); loss = nn.MSELoss()(outputs, targets);
    optimizer.zero_grad(); loss.backward(); optimizer.step(), with
    optimizer = torch.optim.SGD(model.parameters(), lr=lr) made once.
    The model may arrive with old gradients: zeroing before backward() keeps them
    out of every step. Record each epoch's loss with loss.item() (a Python float;
    keeping the tensor keeps its whole graph alive).
    """
    raise NotImplementedError("train")


def evaluate(model, inputs, targets):
    """Return the mean squared error of `model` on the data as a Python float.

    Switch to model.eval() and run the forward pass inside torch.no_grad(): no
    graph is built, which saves memory and time. Leave the model in the mode it
    was in (remember model.training, restore with model.train(mode)), and don't
    touch its parameters or their gradients.
    """
    raise NotImplementedError("evaluate")
