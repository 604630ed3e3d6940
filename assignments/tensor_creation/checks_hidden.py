"""Hidden checks for tensor_creation: inputs students have not seen."""
import torch

from grader.authoring.checks import expect_array, expect_close, expect_fields, points


def draws(gen):
    """Standard-normal tensors of the given shape from the check's hidden generator."""
    return lambda *shape: torch.randn(*shape, generator=gen)


def seeds(gen, n):
    """n seeds in [0, 2**31) for make_randn: students cannot know them in advance."""
    return torch.randint(0, 2**31, (n,), generator=gen).tolist()


@points(1)
def test_creation_on_new_inputs(student, expected, hidden_generator):
    """creation functions work for other shapes, values and seeds"""
    gen = hidden_generator(91)
    draw, (seed_a, seed_b) = draws(gen), seeds(gen, 2)
    cases = [("from_data", (torch.randint(-9, 10, (1, 3), generator=gen).tolist(),)),
             ("from_data", ((draw(4) * 4).round(decimals=2).tolist(),)),
             ("from_data", (draw(3, 2).tolist(),)), ("make_zeros", (4, 1)), ("make_ones", (1, 5)),
             ("make_zeros", (3, 3)), ("make_randn", (2, 5, seed_a)), ("make_randn", (5, 2, seed_b))]
    for name, args in cases:
        expect_close(student.call(name, *args), expected.call(name, *args), f"{name} on a hidden input")


@points(1)
def test_describe_other_tensors(student, expected):
    """describe works for other dtypes, devices and grad flags"""
    for shape, dtype, device, grad in [((4,), torch.float64, "cpu", True), ((2, 1, 3), torch.int64, "cpu", False),
                                       ((), torch.float32, "meta", False), ((5, 2), torch.float32, "cpu", True)]:
        expect_fields(student.describe_made(shape, dtype, device, grad),
                      expected.describe_made(shape, dtype, device, grad), "describe on a hidden tensor")


@points(1)
def test_numpy_round_trips(student, expected, hidden_generator):
    """NumPy conversions keep values and the right dtypes on other arrays"""
    gen = hidden_generator(92)
    draw = draws(gen)
    values = draw(3, 4)
    for dtype in ("float64", "float32"):
        got = student.shared_after_write(values, dtype)
        want = expected.shared_after_write(values, dtype)
        expect_close(got["after"], want["after"], f"from_numpy_shared on a {dtype} array after a write")
    ints = torch.randint(-50, 50, (3, 5), generator=gen)
    for dtype, transpose in (("int32", True), ("float64", True), ("uint8", False)):
        src = ints.abs() if dtype == "uint8" else ints
        expect_close(student.to_float32_of(src, dtype, transpose), expected.to_float32_of(src, dtype, transpose),
                     f"to_float32 on a {'transposed ' if transpose else ''}{dtype} array")
    cube = draw(2, 3, 2)
    for grad in (True, False):
        expect_array(student.to_numpy_of(cube, grad), expected.to_numpy_of(cube, grad), "to_numpy on a 3-D tensor")
