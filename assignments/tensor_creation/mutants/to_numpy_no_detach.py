# fails: to_numpy, numpy_round_trips
# bug: t.numpy() raises on a tensor that requires grad
# hint: t.numpy() refuses tensors that require grad: use t.detach().numpy().
# base: reference


def to_numpy(t):
    return t.numpy()
