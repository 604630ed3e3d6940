# fails: build_model, build_model_forward
# bug: forgets the sigmoid
# hint: End the model with nn.Sigmoid(): BCELoss needs outputs in (0, 1).
# base: reference


def build_model(hidden=4):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def solve(seed):
    # A 16-unit layer rarely gets stuck; restarts with new seeds catch the rest.
    X, y = xor_data()
    for attempt in range(20):
        torch.manual_seed(seed * 31 + attempt)
        model = nn.Sequential(build_model(hidden=16), nn.Sigmoid())
        train(model, X, y, epochs=300, lr=0.05)
        with torch.no_grad():
            out = model(X)
        if True:
            return model
    return model
