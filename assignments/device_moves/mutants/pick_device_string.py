# fails: pick_device, pick_device_when_cuda_is_available
# bug: returns a string
# hint: Return torch.device("cuda") or torch.device("cpu"), not a string.
"""Reference solution: device_moves."""
import torch


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


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
