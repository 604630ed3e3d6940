# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients, train_other_model
# bug: calls backward() twice per step, doubling the gradient
# hint: Call backward() once per step: each call adds to .grad, so two calls double the gradient.
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
