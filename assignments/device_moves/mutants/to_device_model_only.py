# fails: to_device_meta, to_device_accepts_a_device_object, to_device_moves_buffers
# bug: moves only the model
# hint: t.to(device) returns a new tensor: return the moved inputs and targets, not the originals.
# base: reference


def to_device(model, inputs, targets, device):
    device = torch.device(device)
    return model.to(device), inputs, targets
