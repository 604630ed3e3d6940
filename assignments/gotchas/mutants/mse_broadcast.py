# fails: mse_shapes, mse_other_shapes
# bug: the shipped bug: (N, 1) - (N,) is (N, N)
# hint: (N, 1) - (N,) broadcasts to (N, N): reshape targets to preds' shape first.
# base: reference


def mse(preds, targets):
    return ((preds - targets) ** 2).mean()
