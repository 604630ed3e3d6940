# fails: to_device_accepts_a_device_object
# bug: only understands strings
# hint: device may be a torch.device as well as a string: pass it to .to() as it is (torch.device(device) accepts both).
# base: reference


def to_device(model, inputs, targets, device):
    device = torch.device(device.lower())
    return model.to(device), inputs.to(device), targets.to(device)
