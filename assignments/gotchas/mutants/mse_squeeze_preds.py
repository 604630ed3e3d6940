# fails: mse_other_shapes
# bug: squeezes preds, so (N, 1) targets broadcast to (N, N)
# hint: Squeezing preds to (N,) breaks when targets are (N, 1): (N,) - (N, 1) is (N, N). Reshape targets to preds' shape instead.
# base: reference


def mse(preds, targets):
    return ((preds.squeeze(1) - targets) ** 2).mean()
