# fails: train_steps_zeroes_gradients
# bug: the shipped bug: gradients accumulate
# hint: Call optimizer.zero_grad() before each loss.backward(): gradients accumulate.
# base: reference


def train_steps(model, inputs, targets, steps, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return model
