# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients, train_other_model
# bug: never zeroes the gradients, so they accumulate
# hint: Call optimizer.zero_grad() before each loss.backward(): gradients accumulate across steps otherwise.
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
