# fails: same_device_basic, same_device_edge_cases
# bug: looks only at the model
# hint: Compare the devices of the given tensors too, not only the model's.
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
    devices |= {t.device for t in model.buffers()}
    return len(devices) <= 1
