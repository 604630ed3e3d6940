"""Hidden checks for device_moves: buffers, empty models, many tensors."""
from grader.authoring.checks import CheckFailure, expect_equal, points


@points(2)
def test_same_device_edge_cases(student):
    """same_device counts buffers and handles nothing-to-compare"""
    cases = {"model_elsewhere": False, "all_meta": True, "no_tensors": True, "nothing": True,
             "buffer_elsewhere": False, "one_of_many": False}
    for case, want in cases.items():
        expect_equal(student.same_device_case(case), want, f"same_device in a hidden case ({case.replace('_', ' ')})",
                     "Look at model.parameters(), model.buffers() and every tensor.")


@points(1)
def test_to_device_moves_buffers(student):
    """to_device moves buffers (batch-norm statistics) too"""
    got = student.moved("batchnorm", "meta", False)
    if got["returned"] != "triple" or got["model"] != ["meta"] or got["inputs"] != "meta" or got["targets"] != "meta":
        raise CheckFailure("after to_device(model with batch norm, x, y, 'meta') something stayed behind",
                           "model.to(device) moves parameters and buffers; moving p.data by hand misses buffers.")
    expect_equal(got["inputs_shape"], (6, 3), "the moved inputs' shape")
