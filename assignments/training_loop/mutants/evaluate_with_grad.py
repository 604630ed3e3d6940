# fails: evaluate_modes
# bug: tracks gradients during evaluation
# hint: Run the forward pass inside `with torch.no_grad():` so no graph is built.
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    model.eval()
    try:
        if True:
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train(was_training)
