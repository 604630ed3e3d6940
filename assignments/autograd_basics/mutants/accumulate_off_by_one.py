# fails: accumulate_other_counts, accumulate
# bug: one backward too many
# hint: accumulate calls backward() one time too many: build y and call backward() exactly `times` times.
# base: reference


def accumulate(x, times):
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    for _ in range(times + 1):
        y = t ** 2
        y.backward()
    return t.grad
