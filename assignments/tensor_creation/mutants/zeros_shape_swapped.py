# fails: zeros_and_ones, creation_on_new_inputs
# bug: rows and cols swapped
# hint: The shape is (rows, cols): rows first.
# base: reference


def make_zeros(rows, cols):
    return torch.zeros(cols, rows)
