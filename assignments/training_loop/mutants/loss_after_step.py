# fails: train_losses, train_ignores_stale_gradients, train_other_model
# bug: records the loss after the step
# hint: Record the loss computed before the step (the one you call backward() on), not a new one after it.
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss_fn(model(inputs), targets).item())
    return losses
