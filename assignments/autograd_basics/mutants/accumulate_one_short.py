# fails: accumulate, accumulate_other_counts
# bug: one backward too few
# hint: accumulate calls backward() one time too few: build y and call backward() exactly `times` times.
# base: reference


def accumulate(x, times):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    for _ in range(times - 1):
        y = t ** 2
        y.backward()
    return t.grad
