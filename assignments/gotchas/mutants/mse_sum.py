# fails: mse_shapes, mse_other_shapes
# bug: sums instead of averaging
# hint: Mean squared error averages the squared errors: .mean(), not .sum().
# base: reference


def mse(preds, targets):
    return ((preds - targets.reshape(preds.shape)) ** 2).sum()
