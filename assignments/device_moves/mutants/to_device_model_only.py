# fails: to_device_meta, to_device_accepts_a_device_object, to_device_moves_buffers
# bug: moves only the model
# hint: t.to(device) returns a new tensor: return the moved inputs and targets, not the originals.
"""Reference solution: device_moves."""
import torch


def pick_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def to_device(model, inputs, targets, device):
    device = torch.device(device)
    return model.to(device), inputs, targets


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
