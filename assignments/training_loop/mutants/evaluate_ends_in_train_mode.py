# fails: evaluate_leaves_model_alone
# bug: ends with model.train(): right only for a model that arrived in train mode
# hint: Restore the mode the model came in (was_training = model.training ... model.train(was_training)), not always train mode.
# base: reference


def evaluate(model, inputs, targets):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return nn.MSELoss()(model(inputs), targets).item()
    finally:
        model.train()
