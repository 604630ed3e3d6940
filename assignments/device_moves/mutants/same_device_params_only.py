# fails: same_device_edge_cases
# bug: forgets buffers
# hint: Buffers (model.buffers(), e.g. BatchNorm's running mean) live on a device too: include them.
# base: reference


def same_device(model, *tensors):
    devices = {t.device for t in model.parameters()}
    devices |= {t.device for t in tensors}
    return len(devices) <= 1
