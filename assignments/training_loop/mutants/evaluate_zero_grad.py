# fails: evaluate_leaves_model_alone
# bug: clears the gradients
# hint: Evaluation changes nothing on the model: no zero_grad(), no backward().
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    model.zero_grad()
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train(was_training)
