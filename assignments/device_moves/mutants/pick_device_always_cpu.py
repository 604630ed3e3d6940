# fails: pick_device_when_cuda_is_available
# bug: always answers cpu, so a machine with a GPU never uses it
# hint: Return torch.device("cuda") when torch.cuda.is_available() says so, else torch.device("cpu"): a machine with a GPU should use it.
# base: reference


def pick_device():
    return torch.device("cpu")
