# fails: evaluate_leaves_model_alone
# bug: clears the gradients
# hint: Evaluation changes nothing on the model: no zero_grad(), no backward().
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
    model.zero_grad()
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train(was_training)
