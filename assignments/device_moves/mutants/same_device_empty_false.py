# fails: same_device_edge_cases
# bug: says False when there is nothing to compare
# hint: With nothing to compare there is no disagreement: same_device is True then.
# base: reference


def same_device(model, *tensors):
    devices = {t.device for t in model.parameters()}
    devices |= {t.device for t in model.buffers()}
    devices |= {t.device for t in tensors}
    return len(devices) == 1
