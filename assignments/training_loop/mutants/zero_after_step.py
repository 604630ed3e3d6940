# fails: train_ignores_stale_gradients
# bug: zeroes after the step, so the first step uses stale gradients
# hint: Zero the gradients before backward(), not after step(): the model may arrive with stale gradients that then leak into the first step.
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses
