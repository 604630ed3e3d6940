# fails: solve, solve_many_seeds
# bug: returns an untrained model
# hint: solve must train the model (train(model, X, y)) before returning it.
# base: reference


def solve(seed):
    # A 16-unit layer rarely gets stuck; restarts with new seeds catch the rest.
    X, y = xor_data()
    for attempt in range(20):
        torch.manual_seed(seed * 31 + attempt)
        model = build_model(hidden=16)
        with torch.no_grad():
            out = model(X)
        if True:
            return model
    return model
