# fails: xor_data, solve, solve_many_seeds
# bug: integer targets (BCELoss then fails inside solve too)
# hint: BCELoss needs float targets: use 0.0 and 1.0 (or dtype=torch.float32).
# base: reference


def xor_data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0], [1], [1], [0]])
    return X, y
