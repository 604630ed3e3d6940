"""Hidden checks for simple_net: other sizes, frozen and shared parameters."""
import torch

from grader.authoring.checks import CheckFailure, expect_close, expect_equal, expect_float, expect_keys, points, seeded_tensors


def weights(sizes, gen):
    i, h, o = sizes
    return seeded_tensors({"fc1.weight": (h, i), "fc1.bias": (h,), "fc2.weight": (o, h), "fc2.bias": (o,)}, gen)


@points(1)
def test_other_sizes(student, expected, hidden_generator):
    """SimpleNet works for other sizes"""
    for sizes, seed in (((3, 7, 2), 11), ((1, 4, 5), 12)):
        gen = hidden_generator(seed)
        got, want = student.net_structure(*sizes), expected.net_structure(*sizes)
        if not got["is_module"]:
            raise CheckFailure("SimpleNet is not an nn.Module")
        expect_equal(got["params"], want["params"], f"the parameters of SimpleNet{sizes}")
        x, state = torch.randn(6, sizes[0], generator=gen), weights(sizes, gen)
        expect_close(student.net_forward(sizes, state, x),
                     expected.net_forward(sizes, state, x), f"SimpleNet{sizes}'s output")


@points(2)
def test_count_frozen_shared_and_others(student, expected):
    """count_parameters skips frozen parameters and counts shared ones once"""
    for name in ("frozen", "shared", "conv", "no_bias", "sequential"):
        expect_equal(student.count_of(name), expected.count_of(name), f"count_parameters on a hidden model ({name})")


@points(1)
def test_grad_means_skips_missing_gradients(student, expected, hidden_generator):
    """grad_means leaves out parameters without a gradient"""
    seed = int(torch.randint(0, 2**31, (), generator=hidden_generator(9)))  # seeds the probe's weights
    for name in ("frozen", "unused"):
        got, want = student.grad_means_after_backward(name, seed), expected.grad_means_after_backward(name, seed)
        expect_keys(got, list(want), f"grad_means on a model with {name} parameters")
        for key, value in want.items():
            expect_float(got[key], value, f"grad_means(...)[{key!r}]")
