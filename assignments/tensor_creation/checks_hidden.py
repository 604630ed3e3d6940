"""Hidden checks for tensor_creation: inputs students have not seen."""
import torch

from grader.checks import expect_array, expect_close, expect_fields, points


def draws(seed):
    """A private generator per check: the same inputs for every student and the reference."""
    gen = torch.Generator().manual_seed(seed)
    return lambda *shape: torch.randn(*shape, generator=gen)


@points(1)
def test_creation_on_new_inputs(student, expected):
    """creation functions work for other shapes, values and seeds"""
    draw = draws(91)
    cases = [("from_data", ([[5, -1, 7]],)), ("from_data", ([0.5, 2.25, -3.0, 8.0],)),
             ("from_data", (draw(3, 2).tolist(),)), ("make_zeros", (4, 1)), ("make_ones", (1, 5)),
             ("make_zeros", (3, 3)), ("make_randn", (2, 5, 7)), ("make_randn", (5, 2, 123456))]
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
def test_numpy_round_trips(student, expected):
    """NumPy conversions keep values and the right dtypes on other arrays"""
    draw = draws(92)
    values = draw(3, 4)
    for dtype in ("float64", "float32"):
        got = student.shared_after_write(values, dtype)
        want = expected.shared_after_write(values, dtype)
        expect_close(got["after"], want["after"], f"from_numpy_shared on a {dtype} array after a write")
    ints = torch.randint(-50, 50, (3, 5), generator=torch.Generator().manual_seed(93))
    for dtype, transpose in (("int32", True), ("float64", True), ("uint8", False)):
        src = ints.abs() if dtype == "uint8" else ints
        expect_close(student.to_float32_of(src, dtype, transpose), expected.to_float32_of(src, dtype, transpose),
                     f"to_float32 on a {'transposed ' if transpose else ''}{dtype} array")
    cube = draw(2, 3, 2)
    for grad in (True, False):
        expect_array(student.to_numpy_of(cube, grad), expected.to_numpy_of(cube, grad), "to_numpy on a 3-D tensor")
