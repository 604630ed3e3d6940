# fails: evaluate_value, evaluate_modes
# bug: leaves the model in eval mode
# hint: Restore the mode the model came in: was_training = model.training first, model.train(was_training) at the end.
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        pass
