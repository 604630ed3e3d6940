# fails: describe_other_tensors
# bug: answers only the lesson example
# hint: Read everything from t itself (t.shape, t.dtype, t.device, t.requires_grad): other tensors differ.
# base: reference


def describe(t):
    return {"shape": (2, 3), "dtype": torch.float32, "device": torch.device("cpu"), "requires_grad": False}
