# fails: collect_losses
# bug: the shipped bug: keeps loss tensors
# hint: Append loss.item(): a Python float. A loss tensor keeps its whole graph alive.
# base: reference


def collect_losses(model, inputs, targets, steps, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses
