# fails: pick_device_when_cuda_is_available
# bug: always answers cpu, so a machine with a GPU never uses it
# hint: Return torch.device("cuda") when torch.cuda.is_available() says so, else torch.device("cpu"): a machine with a GPU should use it.
"""Reference solution: device_moves."""
import torch


def pick_device():
    return torch.device("cpu")


def to_device(model, inputs, targets, device):
    device = torch.device(device)
    return model.to(device), inputs.to(device), targets.to(device)


def predict(model, x, device):
    device = torch.device(device)
    model = model.to(device)
    with torch.no_grad():
        out = model(x.to(device))
    return out.cpu()


def same_device(model, *tensors):
    devices = {t.device for t in model.parameters()}
    devices |= {t.device for t in model.buffers()}
    devices |= {t.device for t in tensors}
    return len(devices) <= 1
