"""Public checks for xor: the data, the model, Adam training and a reliable solve."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_equal, expect_floats, points, seeded_tensors

LAYERS = ["Linear", "ReLU", "Linear", "Sigmoid"]


def init(seed, hidden=4):
    return seeded_tensors({"0.weight": (hidden, 2), "0.bias": (hidden,), "2.weight": (1, hidden), "2.bias": (1,)}, seed)


def check_structure(got, want, what):
    expect_equal(got["layers"], want["layers"], f"the layers of {what}",
                 "nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1), nn.Sigmoid())")
    expect_equal(got["shapes"], want["shapes"], f"the parameter shapes of {what}")


def check_solved(runs, what):
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    for run in runs:
        out = run["out"]
        if type(out) is not torch.Tensor or out.shape != (4, 1):
            raise CheckFailure(f"solve({run['seed']})'s model should map X to a (4, 1) tensor")
        out = out.float()
        if not bool(((out > 0) & (out < 1)).all()):
            raise CheckFailure(f"solve({run['seed']})'s outputs are not all in (0, 1)", "End the model with nn.Sigmoid().")
        if not torch.equal((out > 0.5).float(), y):
            raise CheckFailure(f"solve({run['seed']})'s model gets XOR wrong ({what})")
        if run["seconds"] > 5.0:
            raise CheckFailure(f"solve({run['seed']}) took {run['seconds']:.1f} s of CPU, more than 5 s")


@points(1)
def test_xor_data(student, expected):
    """xor_data returns the four XOR points as float32 tensors"""
    got, want = student.xor_data(), expected.xor_data()
    if type(got) is not tuple or len(got) != 2:
        raise CheckFailure("xor_data should return a pair (X, y)")
    expect_close(got[0], want[0], "X", dtype_hint="Use float literals (0.0) or dtype=torch.float32.")
    expect_close(got[1], want[1], "y", dtype_hint="BCELoss needs float targets: use 0.0 and 1.0.")


@points(1)
def test_build_model(student, expected):
    """build_model makes Linear, ReLU, Linear, Sigmoid"""
    check_structure(student.model_structure(), expected.model_structure(), "build_model()")
    check_structure(student.model_structure(8), expected.model_structure(8), "build_model(8)")


@points(2)
def test_train(student, expected):
    """train uses Adam and BCELoss and returns the losses as Python floats"""
    got, want = student.train_run(init(1), epochs=50, lr=0.1), expected.train_run(init(1), epochs=50, lr=0.1)
    expect_floats(got["losses"], want["losses"], "the losses of train(model, X, y, epochs=50, lr=0.1)")
    for name, value in want["state"].items():
        expect_close(got["state"][name], value, f"the trained weights: {name}")


@points(2)
def test_solve(student):
    """solve(0) and solve(1) return models that get XOR right"""
    check_solved(student.solve_run([0, 1]), "seeds 0 and 1")
