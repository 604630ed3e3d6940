# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients
# bug: squeezes the (N, 1) outputs, so (N,) - (N, 1) broadcasts to (N, N)
# hint: Don't squeeze the outputs: targets have the outputs' shape (N, 1), and (N,) against (N, 1) broadcasts to (N, N).
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs).squeeze(), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
