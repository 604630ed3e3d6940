# fails: predict_eval_no_grad
# bug: forgets eval()
# hint: Call model.eval() before the forward pass: in train mode dropout is still on.
# base: reference


def predict(model, x):
    was_training = model.training
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out
