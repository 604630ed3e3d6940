# fails: train, train_defaults
# bug: BCEWithLogitsLoss on outputs that already went through the Sigmoid
# hint: The model already ends in nn.Sigmoid(): BCEWithLogitsLoss applies a second sigmoid. Use nn.BCELoss().
# base: reference


def train(model, X, y, epochs=1000, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
