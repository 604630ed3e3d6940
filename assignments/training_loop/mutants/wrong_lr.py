# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients
# bug: ignores lr (always 0.1; the check that uses lr=0.1 cannot tell)
# hint: Use the lr you are given: torch.optim.SGD(model.parameters(), lr=lr).
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
