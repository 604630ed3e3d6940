# fails: to_device_meta, to_device_accepts_a_device_object, to_device_moves_buffers
# bug: moves p.data by hand: misses buffers, and p.data cannot change device type to meta
# hint: Move the whole model with model.to(device): it moves every parameter and buffer, also to the meta device.
"""Reference solution: device_moves."""
import torch


def pick_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def to_device(model, inputs, targets, device):
    device = torch.device(device)
    for p in model.parameters():
        p.data = p.data.to(device)
    return model, inputs.to(device), targets.to(device)


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
