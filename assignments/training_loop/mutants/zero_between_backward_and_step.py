# fails: train_losses, train_updates_model, train_defaults, train_ignores_stale_gradients, train_other_model
# bug: zeroes the gradients between backward() and step(), so no step moves
# hint: zero_grad() between backward() and step() wipes the gradients before step() uses them: zero_grad(), then backward(), then step().
# base: reference


def train(model, inputs, targets, epochs=100, lr=0.01):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses
