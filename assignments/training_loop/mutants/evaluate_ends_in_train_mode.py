# fails: evaluate_leaves_model_alone
# bug: ends with model.train(): right only for a model that arrived in train mode
# hint: Restore the mode the model came in (was_training = model.training ... model.train(was_training)), not always train mode.
"""Reference solution: training_loop."""
import torch
from torch import nn


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def evaluate(model, inputs, targets):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train()
