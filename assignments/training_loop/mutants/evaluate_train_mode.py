# fails: evaluate_modes
# bug: forgets model.eval()
# hint: Call model.eval() before the forward pass: in train mode dropout is still on.
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train(was_training)
