# fails: chain_grad, square_and_chain_elsewhere
# bug: z = y + y instead of y * y
# hint: Build the lesson's graph exactly: y = x + 3, z = y * y (not y + y), w = z - 4.
# base: reference


def chain_grad(x):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y = t + 3
    z = y + y
    w = z - 4
    w.backward()
    return w.detach(), t.grad
