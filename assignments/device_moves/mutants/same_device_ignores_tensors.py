# fails: same_device_basic, same_device_edge_cases
# bug: looks only at the model
# hint: Compare the devices of the given tensors too, not only the model's.
# base: reference


def same_device(model, *tensors):
    devices = {t.device for t in model.parameters()}
    devices |= {t.device for t in model.buffers()}
    return len(devices) <= 1
