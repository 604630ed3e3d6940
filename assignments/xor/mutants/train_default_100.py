# fails: train_defaults
# bug: the default is 100 epochs
# hint: The default is 1000 epochs: def train(model, X, y, epochs=1000, lr=0.1).
# base: reference


def train(model, X, y, epochs=100, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
