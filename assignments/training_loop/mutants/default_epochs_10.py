# fails: train_defaults
# bug: the default is 10 epochs
# hint: The default is 100 epochs: def train(model, inputs, targets, epochs=100, lr=0.01).
# base: reference


def train(model, inputs, targets, epochs=10, lr=0.01):
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
