# fails: same_device_edge_cases
# bug: forgets buffers
# hint: Buffers (model.buffers(), e.g. BatchNorm's running mean) live on a device too: include them.
"""Reference solution: device_moves."""
import torch


def pick_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


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
    devices |= {t.device for t in tensors}
    return len(devices) <= 1
