# fails: to_device_meta, to_device_accepts_a_device_object, to_device_moves_buffers
# bug: moves p.data by hand: misses buffers, and p.data cannot change device type to meta
# hint: Move the whole model with model.to(device): it moves every parameter and buffer, also to the meta device.
# base: reference


def to_device(model, inputs, targets, device):
    device = torch.device(device)
    for p in model.parameters():
        p.data = p.data.to(device)
    return model, inputs.to(device), targets.to(device)
