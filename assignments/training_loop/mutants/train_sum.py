# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients, train_other_model
# bug: sums the squared errors (reduction='sum')
# hint: Your losses match a loop that sums the squared errors: nn.MSELoss() averages them (reduction='mean', its default).
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
