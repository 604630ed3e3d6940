# fails: square_grad, square_and_chain_elsewhere
# bug: a float64 leaf (torch.tensor(x, dtype=torch.float64))
# hint: Make the leaf float32 (torch.tensor(x, requires_grad=True) already is), not float64.
# base: reference


def square_grad(x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = t ** 2
    y.backward()
    return t.grad
