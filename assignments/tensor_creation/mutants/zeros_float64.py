# fails: zeros_and_ones, creation_on_new_inputs
# bug: asks for float64
# hint: float32 is the default dtype: torch.zeros(rows, cols) is float32; don't ask for float64.
# base: reference


def make_zeros(rows, cols):
    return torch.zeros(rows, cols, dtype=torch.float64)
