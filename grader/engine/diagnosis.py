"""Feedback that names the actual mistake, learnt from known-wrong solutions (mutants).

Each mutant (assignments/<id>/mutants/*.py) is one known mistake; its header names the
checks it fails and the hint a student with that mistake should read:

    # fails: mse_shapes, mse_other_shapes
    # hint: mse should average the squared errors: .mean(), not .sum().
    # base: reference

With `# base: reference` the file holds only the changed definitions: they are
appended to the reference solution (mutant_source), where later definitions win.

Once per batch, next to the expected values, the checks run against every mutant and
each check it fails keeps its student.* calls and answers (keyed like the expected
values). A student who fails a check with the same calls and answers as a mutant that
fails it too (tensors close, other values equal) gets that mutant's hint: it is the
mistake their answers show, not a guess. No match, no diagnosis.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.authoring.checks import float32_close, tensors_close
from grader.engine.handles import ProbeCall, call_key
from grader.engine.workers import WorkerFailure
from grader.wire import transport

# Entries of an expected-values store that hold known mistakes, not expected values:
# one per (mutant, check), so a store of fewer checks is a subset of one of more.
ENTRY_PREFIX = "mistake/"
# " (line 3, in f)" or " (cell 2, line 3, in f)": where the code raised differs between
# two files with the same bug, what it raised does not.
_WHERE = re.compile(r" \((cell \d+, )?line \d+(, in [^)]*)?\)$")


@dataclass(frozen=True)
class Answer:
    """A call as it is compared and stored: its key, and what came back."""

    key: str
    ok: bool
    value: Any  # the answer when ok, else the failure's text


@dataclass(frozen=True)
class KnownMistake:
    """A mutant's answers to one check it fails, and its hint."""

    mutant: str
    check_id: str
    hint: str
    answers: tuple[Answer, ...]


def answers(calls: list[ProbeCall]) -> tuple[Answer, ...]:
    """The calls of one check as keyed answers (keys computed only now: most checks pass)."""
    out = []
    for c in calls:
        failed = isinstance(c.outcome, WorkerFailure)
        value = failure_text(c.outcome) if failed else c.outcome
        out.append(Answer(call_key(c.probe, c.args, c.kwargs), not failed, value))
    return tuple(out)


def failure_text(failure: WorkerFailure) -> str:
    """What a failed call did, without where in the file it happened."""
    return f"{failure.kind}: {_WHERE.sub('', failure.message)}"


def store_entries(mutant: str, hint: str, recorded: dict[str, list[ProbeCall]]) -> dict[str, bytes]:
    """A mutant's failed checks as expected-values store entries (plain encoded data)."""
    return {f"{ENTRY_PREFIX}{mutant}/{check_id}": transport.encode(
                {"hint": hint, "answers": [[a.key, a.ok, a.value] for a in answers(calls)]})
            for check_id, calls in recorded.items()}


def known_mistakes(store: dict[str, bytes]) -> dict[str, list[KnownMistake]]:
    """The known mistakes in a store, by check id."""
    found: dict[str, list[KnownMistake]] = {}
    for key, data in sorted(store.items()):
        if key.startswith(ENTRY_PREFIX):
            mutant, check_id = key.removeprefix(ENTRY_PREFIX).split("/", 1)
            entry = transport.decode(data)
            recorded = tuple(Answer(k, ok, value) for k, ok, value in entry["answers"])
            found.setdefault(check_id, []).append(KnownMistake(mutant, check_id, entry["hint"], recorded))
    return found


def expected_only(store: dict[str, bytes]) -> dict[str, bytes]:
    """A store without its known mistakes: the expected values alone."""
    return {k: v for k, v in store.items() if not k.startswith(ENTRY_PREFIX)}


def diagnose(mistakes: list[KnownMistake], calls: list[ProbeCall]) -> str:
    """The hint of every known mistake whose answers the student's calls repeat; "" if none."""
    if not mistakes or not calls:
        return ""
    got = answers(calls)
    hints = list(dict.fromkeys(m.hint for m in mistakes if m.hint and _repeats(got, m.answers)))
    if len(hints) <= 1:
        return "".join(hints)
    return "These answers fit more than one known mistake. " + " ".join(f"({i}) {h}" for i, h in enumerate(hints, 1))


def _repeats(got: tuple[Answer, ...], known: tuple[Answer, ...]) -> bool:
    return len(got) == len(known) and all(
        g.key == k.key and g.ok == k.ok and same(g.value, k.value) for g, k in zip(got, known))


def same(a: Any, b: Any) -> bool:
    """Equal as answers: tensors close (assert_close defaults) with the same shape, dtype,
    device and requires_grad; floats at float32 tolerance; everything else equal."""
    if type(a) is not type(b):
        return False
    if type(a) is torch.Tensor:
        return _same_tensor(a, b)
    if type(a) is np.ndarray:
        return a.shape == b.shape and a.dtype == b.dtype and _same_tensor(torch.as_tensor(a), torch.as_tensor(b))
    if type(a) is float:
        return float32_close(a, b) or (math.isnan(a) and math.isnan(b))
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - a value that cannot say is not the same
        return False


def _same_tensor(a: torch.Tensor, b: torch.Tensor) -> bool:
    if (a.shape, a.dtype, a.device, a.requires_grad) != (b.shape, b.dtype, b.device, b.requires_grad):
        return False
    try:
        return tensors_close(a.detach(), b.detach(), equal_nan=True)
    except (TypeError, RuntimeError):
        return False
