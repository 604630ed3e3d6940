"""Hidden checks for xor: default training length, other sizes, many seeds."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_equal, points, seeded_tensors


def init(gen, hidden=4):
    state = seeded_tensors({"0.weight": (hidden, 2), "0.bias": (hidden,), "2.weight": (1, hidden), "2.bias": (1,)}, gen)
    # Every hidden unit alive at (0, 0): with all ReLUs dead only 2.bias learns, and BCE, MSE,
    # Adam and SGD all take it to about 0 (1 draw in 40 let a wrong train pass).
    state["0.bias"] = state["0.bias"].abs()
    return state


@points(1)
def test_train_defaults(student, expected, hidden_generator):
    """train defaults to 1000 epochs at lr=0.1"""
    state = init(hidden_generator(41))
    got, want = student.train_run(state), expected.train_run(state)
    if type(got["losses"]) is not list or len(got["losses"]) != 1000:
        raise CheckFailure("train(model, X, y) should run 1000 epochs by default")
    for name, value in want["state"].items():
        expect_close(got["state"][name], value, f"the weights after default training: {name}")


@points(1)
def test_build_model_forward(student, expected, hidden_generator):
    """build_model(3) computes the right outputs"""
    state = init(hidden_generator(42), 3)
    got = student.model_structure(3)
    expect_equal(got["layers"], ["Linear", "ReLU", "Linear", "Sigmoid"], "build_model(3)'s layers")
    if got["shapes"] != expected.model_structure(3)["shapes"]:  # else loading the weights below fails
        raise CheckFailure("the model from build_model(3) has layers of the wrong size: the weights of a "
                           "3-unit network do not fit it")
    expect_close(student.model_forward(3, state), expected.model_forward(3, state), "build_model(3)'s output")


@points(2)
def test_solve_many_seeds(student, hidden_generator):
    """solve is reliable for many seeds"""
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    # The lesson's net is stuck for about 3 seeds in 10: 15 drawn seeds all miss that with
    # odds under 1%. Two calls of 8, each within the call limit at 5 s a seed.
    seeds = [2**31 - 1] + torch.randint(0, 2**31 - 1, (15,), generator=hidden_generator(43)).tolist()
    for run in student.solve_run(seeds[:8]) + student.solve_run(seeds[8:]):
        out = run["out"]
        if type(out) is not torch.Tensor or out.shape != (4, 1) or not bool(((out > 0) & (out < 1)).all()):
            raise CheckFailure("a hidden seed's model does not map X to (4, 1) outputs in (0, 1)")
        if not torch.equal((out.float() > 0.5).float(), y):
            raise CheckFailure("solve gets XOR wrong for some hidden seeds")
        if run["seconds"] > 5.0:
            raise CheckFailure(f"solve took {run['seconds']:.1f} s of CPU on a hidden seed, more than 5 s")
