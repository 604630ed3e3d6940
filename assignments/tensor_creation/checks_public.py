"""Public checks for tensor_creation: the lesson's own examples."""
import torch

from grader.authoring.checks import expect_array, expect_close, expect_fields, points

FLOAT32_HINT = "Pass dtype=torch.float32: models work in float32, whatever the numbers look like."


@points(1)
def test_from_data(student, expected):
    """from_data makes float32 tensors from lists and nested lists"""
    for values in ([1, 2, 3], [[1, 2], [3, 4]]):
        expect_close(student.from_data(values), expected.from_data(values), f"from_data({values})",
                     dtype_hint=FLOAT32_HINT)


@points(1)
def test_zeros_and_ones(student, expected):
    """make_zeros and make_ones give float32 (rows, cols) tensors"""
    for name in ("make_zeros", "make_ones"):
        expect_close(student.call(name, 2, 3), expected.call(name, 2, 3), f"{name}(2, 3)")


@points(1)
def test_randn_is_reproducible(student, expected):
    """make_randn gives the same numbers for the same seed"""
    expect_close(student.make_randn(3, 4, 42), expected.make_randn(3, 4, 42), "make_randn(3, 4, seed=42)")


DESCRIBE_HINTS = {"shape": "t.shape is a torch.Size, which is a tuple: return it (or tuple(t.shape)).",
                  "dtype": "Return the torch.dtype itself (t.dtype), not a string.",
                  "device": "Return the torch.device itself (t.device), not a string.",
                  "requires_grad": "Return t.requires_grad, a bool."}


@points(1)
def test_describe(student, expected):
    """describe reports shape, dtype, device and requires_grad"""
    t = torch.zeros(2, 3)
    expect_fields(student.describe(t), expected.describe(t), "describe(torch.zeros(2, 3))", DESCRIBE_HINTS)


@points(1)
def test_from_numpy_shares_memory(student, expected):
    """from_numpy_shared shares memory with the NumPy array"""
    values = torch.tensor([1.0, 2.0, 3.0])
    got = student.shared_after_write(values, "float32")
    want = expected.shared_after_write(values, "float32")
    expect_close(got["before"], want["before"], "from_numpy_shared(a)")
    expect_close(got["after"], want["after"], "the tensor after a += 1",
                 hint="The tensor must see later writes to the array: torch.from_numpy(a) shares memory, "
                      "torch.tensor(a) copies.")


@points(1)
def test_to_float32(student, expected):
    """to_float32 turns any NumPy array into a float32 tensor"""
    values = torch.tensor([[1, 2], [3, 4]])
    expect_close(student.to_float32_of(values, "int64", False), expected.to_float32_of(values, "int64", False),
                 "to_float32(np.array([[1, 2], [3, 4]]))",
                 dtype_hint="Return float32 whatever the array's dtype: convert with .float().")


@points(1)
def test_to_numpy(student, expected):
    """to_numpy works on a tensor that requires grad"""
    values = torch.tensor([1.0, 2.0, 3.0])
    expect_array(student.to_numpy_of(values, True), expected.to_numpy_of(values, True),
                 "to_numpy(a tensor with requires_grad=True)")
