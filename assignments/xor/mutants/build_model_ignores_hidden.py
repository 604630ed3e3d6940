# fails: build_model, build_model_forward
# bug: ignores hidden: always 4 units
# hint: build_model ignores its hidden argument: use it in both layers, nn.Linear(2, hidden) and nn.Linear(hidden, 1).
# base: reference


def build_model(hidden=4):
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
