# fails: predict_eval_no_grad
# bug: leaves the model in eval mode
# hint: Restore the mode the model came in: was_training = model.training first, model.train(was_training) at the end.
# base: reference


def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    return out
