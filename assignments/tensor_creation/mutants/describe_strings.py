# fails: describe, describe_other_tensors
# bug: dtype and device as strings
# hint: Return the torch.dtype and torch.device themselves (t.dtype, t.device), not strings.
# base: reference


def describe(t):
    return {"shape": tuple(t.shape), "dtype": str(t.dtype), "device": str(t.device), "requires_grad": t.requires_grad}
