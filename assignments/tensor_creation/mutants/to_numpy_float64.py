# fails: to_numpy, numpy_round_trips
# bug: converts to float64
# hint: Keep the tensor's dtype: t.detach().numpy() gives float32 for a float32 tensor; don't convert to double.
# base: reference


def to_numpy(t):
    return t.detach().double().numpy()
