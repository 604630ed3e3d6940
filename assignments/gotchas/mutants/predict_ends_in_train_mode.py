# fails: predict_eval_no_grad
# bug: ends with model.train(): right only for a model that arrived in train mode
# hint: Restore the mode the model came in (was_training = model.training ... model.train(was_training)), not always train mode.
# base: reference


def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return out
