# fails: solve_many_seeds
# bug: the lesson's 4-unit net, no restarts: stuck for some seeds
# hint: The 4-unit network gets stuck for about half of all seeds: use a wider layer, or retrain with another seed until the outputs are right.
# base: reference


def solve(seed):
    # A 16-unit layer rarely gets stuck; restarts with new seeds catch the rest.
    X, y = xor_data()
    torch.manual_seed(seed)
    model = build_model()
    train(model, X, y)
    return model
