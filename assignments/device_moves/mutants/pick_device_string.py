# fails: pick_device, pick_device_when_cuda_is_available
# bug: returns a string
# hint: Return torch.device("cuda") or torch.device("cpu"), not a string.
# base: reference


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"
