"""Inside the worker: notice when a student's function changes an argument it may not change.

The contract's rule (ASSIGNMENTS.md): unless stated, a function must not modify its
arguments. Every call into student code goes through `ArgumentGuard.wrap`, which
snapshots the arguments (tensors, modules, NumPy arrays, and lists, tuples and dicts
of those), calls the function and compares. Functions whose job is to change an
argument are declared in the assignment's probes.py as `MUTATES`, for example
`{"train": {"model": 0}}`: the argument named `model`, passed first, may change.
Position and name both, because probes pass arguments by position and a student may
name them differently. The inputs are small, so copying them costs next to nothing.
"""
from __future__ import annotations

import inspect
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

MAX_DEPTH = 3      # lists of lists of tensors, no deeper
MAX_ITEMS = 256    # values looked at per call: probes pass a handful
NAME_CHARS = 80    # a name from the student's code (a parameter, a submodule) is cut here

# What changed, in the words of a message: "its values", "the .grad of its parameter fc1.weight".
PART_WORDS = {"device": "device", "shape": "shape", "dtype": "dtype", "values": "values",
              "requires_grad": "requires_grad flag", "grad": ".grad"}


@dataclass(frozen=True)
class Change:
    """One argument that came back different: `part` says what, `what` says it to a student."""

    function: str
    argument: str
    part: str  # a PART_WORDS key, "mode" or "parameters"
    what: str

    def as_error(self) -> dict[str, str]:
        """The worker's reply for a call that changed an argument (grader.engine.workers reads it)."""
        return {"kind": "mutated", "function": self.function, "argument": self.argument,
                "part": self.part, "what": self.what}


@dataclass(frozen=True)
class TensorState:
    """A tensor argument as it was before the call: device, dtype, shape, a copy of its values."""
    device: torch.device
    shape: tuple[int, ...]
    dtype: torch.dtype
    values: torch.Tensor | None  # None on the meta device, which holds no values
    requires_grad: bool
    grad: torch.Tensor | None
    is_leaf: bool


@dataclass(frozen=True)
class ModuleState:
    """A module argument as it was before the call: its mode and each parameter's state."""
    modes: tuple[tuple[str, bool], ...]
    parameters: dict[str, TensorState]
    buffers: dict[str, TensorState]


@dataclass(frozen=True)
class ArrayState:
    """A NumPy array argument as it was before the call: a copy."""
    copy: Any


class ArgumentGuard:
    """Wraps student callables; collects the changes they made to their arguments."""

    def __init__(self) -> None:
        self.allowed: dict[str, dict[str, int]] = {}
        self.changes: list[Change] = []
        # name -> (the function, its parameter names): inspect.signature costs more than
        # the rest of a small probe call, and the same function is wrapped call after call.
        self._names: dict[str, tuple[Callable[..., Any], list[str]]] = {}

    def declare(self, mutates: Mapping[str, Mapping[str, int]]) -> None:
        """Read an assignment's MUTATES: function name -> {argument name: position}."""
        self.allowed = {str(fn): {str(arg): int(pos) for arg, pos in args.items()} for fn, args in mutates.items()}

    def start_call(self) -> None:
        """Forget the changes of the previous probe call."""
        self.changes.clear()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn` as before, except that a change to an argument it may not change is recorded."""
        allowed = self.allowed.get(name, {})
        known = self._names.get(name)
        if known is None or known[0] is not fn:  # held, so `is` cannot match a new object at an old address
            known = self._names[name] = (fn, _parameter_names(fn))
        names = known[1]

        def guarded(*args: Any, **kwargs: Any) -> Any:
            before = [(label, value, state) for label, value in _watched(names, args, kwargs, allowed)
                      if (state := _snapshot(value)) is not None]
            result = fn(*args, **kwargs)
            for label, value, state in before:
                what = _difference(state, value)
                if what is not None:
                    self.changes.append(Change(name, label, *what))
                    break
            return result

        return guarded


def _watched(names: list[str], args: tuple, kwargs: dict, allowed: Mapping[str, int]) -> list[tuple[str, Any]]:
    """(label, value) of every tensor, module or array among the arguments that may not change;
    `names` are the function's positional parameters."""
    top = [(names[i] if i < len(names) else f"number {i + 1}", v) for i, v in enumerate(args)
           if i not in allowed.values()]
    top += [(k, v) for k, v in kwargs.items() if k not in allowed]
    seen: set[int] = set()
    out: list[tuple[str, Any]] = []
    for label, value in top:
        for inner_label, inner in _walk(label, value, 0):
            if id(inner) not in seen and len(out) < MAX_ITEMS:
                seen.add(id(inner))
                out.append((inner_label, inner))
    return out


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    """The student's own names for the positional parameters, to say which argument changed."""
    try:
        params = inspect.signature(fn).parameters.values()
        return [str(p.name)[:NAME_CHARS] for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except Exception:  # noqa: BLE001 - a class or callable without a readable signature
        return []


def _walk(label: str, value: Any, depth: int) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (torch.Tensor, torch.nn.Module)) or _is_array(value):
        yield label, value
    elif depth < MAX_DEPTH and type(value) in (list, tuple):
        for i, item in enumerate(value[:MAX_ITEMS]):
            yield from _walk(f"{label}[{i}]", item, depth + 1)
    elif depth < MAX_DEPTH and type(value) is dict:
        for key, item in list(value.items())[:MAX_ITEMS]:
            yield from _walk(f"{label}[{str(key)[:NAME_CHARS]!r}]", item, depth + 1)


def _is_array(value: Any) -> bool:
    numpy = sys.modules.get("numpy")  # no NumPy loaded: no array can have been passed
    return numpy is not None and isinstance(value, numpy.ndarray)


def _snapshot(value: Any) -> TensorState | ModuleState | ArrayState | None:
    """A copy of what may change; None for what cannot be copied (then it is not watched)."""
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if isinstance(value, torch.Tensor):
                return _tensor_state(value)
            if isinstance(value, torch.nn.Module):
                return ModuleState(tuple((n, m.training) for n, m in value.named_modules()),
                                   {n: _tensor_state(p) for n, p in value.named_parameters()},
                                   {n: _tensor_state(b) for n, b in value.named_buffers()})
            return ArrayState(value.copy())
    except Exception:  # noqa: BLE001 - an exotic tensor or a module that will not list itself
        return None


def _tensor_state(t: torch.Tensor) -> TensorState:
    values = None if t.device.type == "meta" else t.detach().clone()
    grad = t.grad.detach().clone() if t.is_leaf and t.grad is not None else None  # a non-leaf's .grad warns
    return TensorState(t.device, tuple(t.shape), t.dtype, values, t.requires_grad, grad, t.is_leaf)


def _difference(before: TensorState | ModuleState | ArrayState, value: Any) -> tuple[str, str] | None:
    """(part, words) for the first thing that changed, or None when nothing did."""
    after = _snapshot(value)
    if after is None or type(after) is not type(before):
        return None
    if isinstance(before, ArrayState) and isinstance(after, ArrayState):
        return None if _same_array(before.copy, after.copy) else ("values", "its values")
    if isinstance(before, TensorState) and isinstance(after, TensorState):
        part = _tensor_difference(before, after)
        return (part, f"its {PART_WORDS[part]}") if part else None
    if isinstance(before, ModuleState) and isinstance(after, ModuleState):
        return _module_difference(before, after)
    return None


def _module_difference(before: ModuleState, after: ModuleState) -> tuple[str, str] | None:
    if before.modes != after.modes:
        was, now = dict(before.modes), dict(after.modes)
        name = next((n for n in was if n in now and was[n] != now[n]), None)
        if name is not None:
            where = f"its submodule {name[:NAME_CHARS]}" if name else "it"
            return "mode", f"{where} arrived in {_mode(was[name])} mode and was left in {_mode(now[name])} mode"
        return "parameters", "its submodules (some were added or removed)"
    pairs: tuple[tuple[str, dict[str, TensorState], dict[str, TensorState]], ...] = (
        ("parameter", before.parameters, after.parameters), ("buffer", before.buffers, after.buffers))
    for kind, states_before, states_after in pairs:
        if states_before.keys() != states_after.keys():
            return "parameters", f"its {kind}s (some were added, removed or renamed)"
        for name, state in states_before.items():
            part = _tensor_difference(state, states_after[name])
            if part:
                return part, f"the {PART_WORDS[part]} of its {kind} {name[:NAME_CHARS]}"
    return None


def _mode(training: bool) -> str:
    return "train" if training else "eval"


def _tensor_difference(before: TensorState, after: TensorState) -> str | None:
    for part in ("device", "shape", "dtype"):
        if getattr(before, part) != getattr(after, part):
            return part
    if not _same_values(before.values, after.values):
        return "values"
    if before.requires_grad != after.requires_grad:
        return "requires_grad"
    if before.is_leaf and after.is_leaf and not _same_values(before.grad, after.grad):
        return "grad"
    return None


def _same_values(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    if a is None or b is None:
        return a is b
    if a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
        return False
    if torch.equal(a, b):
        return True
    # NaN never equals itself: a NaN left where it was is no change.
    return bool((a.is_floating_point() or a.is_complex()) and ((a == b) | (a.isnan() & b.isnan())).all())


def _same_array(a: Any, b: Any) -> bool:
    import numpy

    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    try:
        return bool(numpy.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except Exception:  # noqa: BLE001 - object arrays and other exotic dtypes: not judged
        return True


guard = ArgumentGuard()  # the worker's one guard: need() wraps with it, serve() reads it
