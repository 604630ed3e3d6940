# fails: to_device_accepts_a_device_object
# bug: only understands strings
# hint: device may be a torch.device as well as a string: pass it to .to() as it is (torch.device(device) accepts both).
"""Reference solution: device_moves."""
import torch


def pick_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def to_device(model, inputs, targets, device):
    device = torch.device(device.lower())
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
