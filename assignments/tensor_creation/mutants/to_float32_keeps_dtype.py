# fails: to_float32, numpy_round_trips
# bug: torch.from_numpy keeps NumPy's dtype
# hint: torch.from_numpy keeps NumPy's dtype: convert with .float() or .to(torch.float32).
# base: reference


def to_float32(a):
    return torch.from_numpy(np.ascontiguousarray(a))
