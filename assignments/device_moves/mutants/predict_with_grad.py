# fails: predict_on_cpu
# bug: tracks gradients
# hint: Run the model inside `with torch.no_grad():` so no graph is built and the output does not require grad.
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
    out = model(x.to(device))
    return out.cpu()


def same_device(model, *tensors):
    devices = {t.device for t in model.parameters()}
    devices |= {t.device for t in model.buffers()}
    devices |= {t.device for t in tensors}
    return len(devices) <= 1
