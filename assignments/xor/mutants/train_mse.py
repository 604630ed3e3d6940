# fails: train, train_defaults
# bug: uses MSELoss
# hint: Use nn.BCELoss(): a sigmoid output and 0/1 targets call for binary cross-entropy, not MSELoss.
# base: reference


def train(model, X, y, epochs=1000, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
