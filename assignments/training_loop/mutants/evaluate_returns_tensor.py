# fails: evaluate_value, evaluate_leaves_model_alone
# bug: returns a tensor
# hint: Return a Python float: loss.item().
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets)
    finally:
        model.train(was_training)
