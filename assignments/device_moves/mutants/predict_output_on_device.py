# fails: cuda_paths
# bug: returns the output on the device, not moved back to the CPU (only CUDA shows it)
# hint: Bring the result back to the CPU (.cpu()) before returning it: the caller expects it there.
# base: reference


def predict(model, x, device):
    device = torch.device(device)
    model = model.to(device)
    with torch.no_grad():
        out = model(x.to(device))
    return out
