# fails: train, train_defaults
# bug: uses SGD
# hint: Use torch.optim.Adam(model.parameters(), lr=lr), not SGD.
# base: reference


def train(model, X, y, epochs=1000, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
