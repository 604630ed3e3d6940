# fails: accumulate, accumulate_other_counts
# bug: zeroes the gradient before each backward
# hint: Don't zero x.grad between the backward() calls: accumulation is the point, each call adds 2x.
# base: reference


def accumulate(x, times):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    for _ in range(times):
        t.grad = None
        y = t ** 2
        y.backward()
    return t.grad
