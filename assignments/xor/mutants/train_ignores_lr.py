# fails: train, train_defaults
# bug: ignores lr: Adam's own default (0.001)
# hint: Pass lr to the optimizer: torch.optim.Adam(model.parameters(), lr=lr). Adam's own default is 0.001.
# base: reference


def train(model, X, y, epochs=1000, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters())
    loss_fn = nn.BCELoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
