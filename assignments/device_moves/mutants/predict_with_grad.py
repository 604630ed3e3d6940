# fails: predict_on_cpu
# bug: tracks gradients
# hint: Run the model inside `with torch.no_grad():` so no graph is built and the output does not require grad.
# base: reference


def predict(model, x, device):
    device = torch.device(device)
    model = model.to(device)
    out = model(x.to(device))
    return out.cpu()
