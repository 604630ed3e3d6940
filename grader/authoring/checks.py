"""What check authors use: points, failures that teach, and comparisons of plain data.

Checks run in the trusted grader and only ever see decoded plain data, so these
helpers never call a method of a student object. Messages name what differs
(type, shape, dtype, device, how far off). Inside a hidden check (the plugin runs
those within `hidden_check()`) they leave out everything the reference computed on
the hidden input: expected values, shapes and previews, and how far off the answer is.

Inputs. Public checks use fixed inputs (students see them). Hidden checks draw
theirs from the `hidden_generator` fixture, so that answers learned from a leak, a
published copy or last term's run do not fit this term's inputs (THREATS 30)::

    @points(1)
    def test_mse_other_shapes(student, expected, hidden_generator):
        gen = hidden_generator(32)         # a fresh torch.Generator for stream 32
        preds, targets = torch.randn(9, 1, generator=gen), torch.randn(9, generator=gen)
        expect_close(student.mse(preds, targets), expected.mse(preds, targets), "mse")

`hidden_generator(n)` is seeded from a hash of (course secret, assignment id, n):
the same inputs for every student and the reference in a batch, other inputs under
another secret. Call it once per input set (a generator is consumed as it draws),
keep deliberate edge cases (0, a boundary) as literals, draw everything else, and
draw several values where catching a bug depends on luck. The secret is
$GRADER_COURSE_SECRET or the file `course_secret` at the course root (see the
README); without one, inputs come from a built-in default anyone can reproduce.
"""
from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import torch

from grader.wire.transport import Opaque, TensorLike


def points(n: float) -> pytest.MarkDecorator:
    """How many of the assignment's 10 points the check is worth."""
    return pytest.mark.points(n)


_HIDDEN = contextvars.ContextVar("grader_hidden_check", default=False)


@contextmanager
def hidden_check(hidden: bool = True) -> Iterator[None]:
    """Run a check as hidden: its failures then say what is wrong without the answer."""
    token = _HIDDEN.set(hidden)
    try:
        yield
    finally:
        _HIDDEN.reset(token)


def in_hidden_check() -> bool:
    """True inside a hidden check, where an expected value must never be shown."""
    return _HIDDEN.get()


def _versus(want: str, noun: str = "value") -> str:
    """", expected X" in a public check; in a hidden one X was computed on an input the
    student has not seen, and showing it would hand over the answer."""
    return f", not the expected {noun}" if in_hidden_check() else f", expected {want}"


class CheckFailure(AssertionError):
    """The answer is wrong: `message` says how, `hint` what to do about it.

    `details` is plain data for the reports: for tensors, what was expected and what
    came (shape, dtype, device, a preview of values) and the largest difference.
    The grader drops expected values from the details of hidden checks.
    """

    def __init__(self, message: str, hint: str = "", details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details


def summary(t: torch.Tensor) -> dict[str, Any]:
    """Shape, dtype, device and a short preview of a tensor's values, for a report."""
    import numpy as np

    values = t.detach().cpu()
    if values.dtype in (torch.bfloat16, torch.float16):
        values = values.float()
    preview = np.array2string(values.numpy(), threshold=24, edgeitems=3, precision=4, separator=", ")
    return {"shape": list(t.shape), "dtype": str(t.dtype), "device": str(t.device), "preview": preview[:600]}


def _details(got: Any, want: Any, difference: dict | None = None) -> dict[str, Any]:
    side = lambda v: summary(v) if type(v) is torch.Tensor else {"type": describe(v)}  # noqa: E731
    return _details_of(side(got), side(want), difference)


def _value_details(got: Any, want: Any, difference: dict | None = None) -> dict[str, Any]:
    """Details for plain values (numbers, lists, strings): their types and reprs."""
    side = lambda v: {"type": describe(v), "value": repr(v)[:600]}  # noqa: E731
    return _details_of(side(got), side(want), difference)


def _details_of(got: dict, want: dict, difference: dict | None) -> dict[str, Any]:
    out = {"got": got, "expected": want, **({"difference": difference} if difference else {})}
    return (without_expected_values(out) or {}) if in_hidden_check() else out


# What a hidden check's details may say about the expected side: the contract's kinds.
_KIND_KEYS = ("type", "dtype", "device")


def without_expected_values(details: dict | None) -> dict | None:
    """Details fit for a hidden check: the student's side whole, of the expected side only
    its kind (type, dtype, device), and no size of the difference."""
    if not details:
        return details
    out = dict(details)
    if "expected" in out:
        out["expected"] = {k: v for k, v in out["expected"].items() if k in _KIND_KEYS}
    if "difference" in out:
        out["difference"] = {k: v for k, v in out["difference"].items() if k != "largest"}
        if not out["difference"]:
            del out["difference"]
    return out


def describe(value: Any) -> str:
    """A short, safe description of a decoded value's type."""
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, TensorLike):
        return f"a {value.layout} tensor on the {value.device} device"
    if type(value) is torch.Tensor:
        return "torch.Tensor"
    return type(value).__name__


def expect_tensor(got: Any, what: str, hint: str = "") -> torch.Tensor:
    """`got` as a plain tensor on a real device, or a CheckFailure saying what came instead."""
    if isinstance(got, TensorLike):
        raise CheckFailure(f"{what} returned a tensor on the {got.device} device ({got.layout}), "
                           "which holds no values", hint or "Return a tensor with real values (on the CPU).")
    if type(got) is not torch.Tensor:
        raise CheckFailure(f"{what} should return a torch.Tensor, got {describe(got)}", hint)
    return got


def expect_close(got: Any, want: torch.Tensor, what: str, *, hint: str = "", dtype_hint: str = "",
                 rtol: float | None = None, atol: float | None = None, check_device: bool = True) -> torch.Tensor:
    """Compare like torch.testing.assert_close, with messages a student can act on."""
    try:
        got = expect_tensor(got, what, hint)
    except CheckFailure as failure:
        failure.details = _details(got, want)
        raise
    if got.shape != want.shape:
        raise CheckFailure(f"{what} has shape {tuple(got.shape)}{_versus(str(tuple(want.shape)), 'shape')}", hint,
                           _details(got, want))
    if got.dtype != want.dtype:
        raise CheckFailure(f"{what} has dtype {got.dtype}, expected {want.dtype}", dtype_hint or hint,
                           _details(got, want))
    if check_device and got.device != want.device:
        raise CheckFailure(f"{what} is on {got.device}, expected {want.device}", hint, _details(got, want))
    got_d, want_d = got.detach(), want.detach().to(got.device)
    if got_d.is_floating_point() and not torch.isfinite(got_d).all() and torch.isfinite(want_d).all():
        raise CheckFailure(f"{what} contains NaN or inf", hint or "Look for a division by zero or a log of 0.",
                           _details(got, want))
    if not tensors_close(got_d, want_d, rtol, atol):
        text, difference = _difference(got_d, want_d)
        message = f"{what} has the wrong values: {text}" if text else f"{what} has the wrong value"
        raise CheckFailure(message, hint, _details(got, want, difference)) from None
    return got


def _difference(got: torch.Tensor, want: torch.Tensor) -> tuple[str, dict[str, Any]]:
    if got.numel() == 0:
        return "they differ", {}
    if got.dtype == torch.bool:
        n_bad = int((got != want).sum())
        return f"{n_bad} of {got.numel()} elements differ", {"count": n_bad, "of": got.numel()}
    diff = (got.double() - want.double()).abs().nan_to_num(math.inf)
    n_bad = int((diff != 0).sum())
    flat = int(diff.reshape(-1).argmax())
    index = _unravel(flat, tuple(got.shape))
    largest = float(diff.reshape(-1)[flat])
    where = f" at index {tuple(index)}" if index else ""
    if in_hidden_check():  # the size of the difference and the student's value give the answer away
        text = "" if got.numel() == 1 else f"{n_bad} of {got.numel()} elements differ, the largest{where}"
    else:
        text = f"{n_bad} of {got.numel()} elements differ, the largest by {largest:.3g}{where}"
    return text, {"count": n_bad, "of": got.numel(), "largest": largest, "at": index}


def _unravel(flat: int, shape: tuple[int, ...]) -> list[int]:
    """The index of element `flat` of a row-major tensor of `shape` (torch.unravel_index
    imports sympy on first use: 0.3 s of a student's `grader check`)."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return index[::-1]


# torch.testing.assert_close's default (rtol, atol) by dtype; other dtypes must be equal.
_TOLERANCES = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5), torch.float32: (1.3e-6, 1e-5),
               torch.float64: (1e-7, 1e-7), torch.complex32: (1e-3, 1e-5), torch.complex64: (1.3e-6, 1e-5),
               torch.complex128: (1e-7, 1e-7)}


def tensors_close(got: torch.Tensor, want: torch.Tensor, rtol: float | None = None, atol: float | None = None,
                  equal_nan: bool = False) -> bool:
    """assert_close's verdict on two plain tensors of one shape, dtype and device, without its
    first call's import of torch.distributed (half a second of every cold `grader check`)."""
    if (rtol is None) != (atol is None):
        raise ValueError("give both rtol and atol, or neither")
    if rtol is None or atol is None:
        rtol, atol = _TOLERANCES.get(want.dtype, (0.0, 0.0))
    return bool(torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=equal_nan).all())


def float32_close(got: float, want: float) -> bool:
    """Python floats from float32 work: compared with float32 tolerances (ASSIGNMENTS.md)."""
    return math.isclose(got, want, rel_tol=1.3e-6, abs_tol=1e-5)


def expect_float(got: Any, want: float, what: str, hint: str = "") -> float:
    """A Python float close to `want` at float32 tolerance."""
    if isinstance(got, torch.Tensor) or isinstance(got, TensorLike):
        raise CheckFailure(f"{what} should be a Python float, got a tensor",
                           hint or "Call .item() on a 0-dim tensor to get a Python float.")
    if type(got) is not float:
        raise CheckFailure(f"{what} should be a Python float, got {describe(got)}", hint)
    if not math.isfinite(got) and math.isfinite(want):
        raise CheckFailure(f"{what} is {got}", hint)
    if not float32_close(got, want):
        text = f"{what} is {got!r}, not the expected value" if in_hidden_check() else \
            f"{what} is off by {abs(got - want):.3g}"
        raise CheckFailure(text, hint, _value_details(got, want, {"largest": abs(got - want)}))
    return got


def expect_type(got: Any, kind: type, what: str, hint: str = "") -> Any:
    """`got` of exactly type `kind` (no subclass: a subclass may override comparisons)."""
    if type(got) is not kind:
        article = "an" if kind.__name__[0] in "aeiou" else "a"
        raise CheckFailure(f"{what} should be {article} {kind.__name__}, got {describe(got)}", hint)
    return got


def expect_equal(got: Any, want: Any, what: str, hint: str = "") -> Any:
    """Plain values (ints, strings, dtypes, devices, tuples of those) equal to `want`."""
    expect_type(got, type(want), what, hint)
    if got != want:
        raise CheckFailure(f"{what} is {got!r}{_versus(repr(want))}", hint, _value_details(got, want))
    return got


def expect_array(got: Any, want: Any, what: str, hint: str = "") -> Any:
    """A numpy.ndarray with `want`'s shape, dtype and values (assert_close tolerances)."""
    import numpy as np

    if type(got) is not np.ndarray:
        raise CheckFailure(f"{what} should return a numpy.ndarray, got {describe(got)}", hint)
    if got.shape != want.shape:
        raise CheckFailure(f"{what} has shape {got.shape}{_versus(str(want.shape), 'shape')}", hint)
    if got.dtype != want.dtype:
        raise CheckFailure(f"{what} has dtype {got.dtype}, expected {want.dtype}", hint)
    expect_close(torch.from_numpy(got), torch.from_numpy(want), what, hint=hint)
    return got


def expect_keys(got: Any, keys: list[str], what: str, hint: str = "") -> dict:
    """A dict with exactly these keys."""
    expect_type(got, dict, what, hint)
    if set(got) != set(keys):
        missing = [k for k in keys if k not in got]
        extra = [k for k in got if k not in keys]
        parts = ([f"missing {_key_list(missing)}"] if missing else []) + \
                ([f"unexpected {_key_list(extra)}"] if extra else [])
        raise CheckFailure(f"{what} has the wrong keys: {'; '.join(parts)}", hint)
    return got


def _key_list(keys: list[str]) -> str:
    # A hidden check's keys are part of its answer: there only how many are off.
    return str(len(keys)) if in_hidden_check() else ", ".join(map(repr, keys))


def expect_fields(got: Any, want: dict, what: str, hints: dict[str, str] | None = None) -> dict:
    """A dict with exactly `want`'s keys, each value equal in type and value."""
    hints = hints or {}
    expect_keys(got, list(want), what)
    for key, value in want.items():
        expect_equal(got[key], value, f"{what}[{key!r}]", hints.get(key, ""))
    return got


def expect_floats(got: Any, want: list[float], what: str, hint: str = "") -> list:
    """A list of Python floats, one per expected value, each at float32 tolerance."""
    expect_type(got, list, what, hint)
    if len(got) != len(want):
        raise CheckFailure(f"{what} has {len(got)} values{_versus(str(len(want)), 'number')}", hint)
    for i, (g, w) in enumerate(zip(got, want)):
        expect_float(g, w, f"{what}[{i}]", hint if type(g) is float else
                     "Append loss.item(): a Python float. A tensor keeps its whole graph alive.")
    return got


def seeded_tensors(shapes: dict[str, tuple[int, ...]], seed: int | torch.Generator,
                   scale: float = 1.0) -> dict[str, torch.Tensor]:
    """Standard-normal tensors (e.g. a state_dict) from a private generator: the same
    inputs for every student and for the reference, whatever else ran before.
    `seed` is a number (public checks) or a fresh `hidden_generator(n)` (hidden checks)."""
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(seed)
    return {name: scale * torch.randn(shape, generator=gen) for name, shape in shapes.items()}
