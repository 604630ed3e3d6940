# fails: from_data, creation_on_new_inputs
# bug: torch.tensor(values) keeps integers as int64
# hint: torch.tensor([1, 2, 3]) makes int64 because the numbers are integers; models work in float32, so pass dtype=torch.float32.
# base: reference


def from_data(values):
    return torch.tensor(values)
