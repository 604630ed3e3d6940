# fails: train_losses, train_ignores_stale_gradients, train_other_model
# bug: keeps the loss tensors
# hint: Append loss.item(): a Python float. A loss tensor keeps its whole graph alive.
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
        losses.append(loss)
    return losses
