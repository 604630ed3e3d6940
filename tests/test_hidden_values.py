"""A hidden check never shows what the reference computed on its hidden inputs.

The reference's answers to the hidden checks' calls are decoded from the recorded
expected store and turned into the text forms a message could print them in; no
failed hidden check of any mutant, null student or stub may contain one. What the
student sent (echoed in `details["got"]`) is theirs and is not a leak.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch
from helpers import ROOT

from grader.authoring.checks import (
    CheckFailure,
    expect_close,
    expect_equal,
    expect_float,
    expect_floats,
    expect_keys,
    hidden_check,
    in_hidden_check,
)
from grader.authoring.mutants import mutant_source
from grader.course.catalogue import load_course
from grader.course.null_students import null_students
from grader.course.submission import SubmissionFile
from grader.engine.grading import Target, run_assignment
from grader.engine.handles import ExpectedValues, call_key
from grader.results import CheckResult, Status
from grader.wire import transport

COURSE = load_course(ROOT)
HIDDEN_IDS = [a.id for a in COURSE.assignments if a.hidden_checks.is_file()]


# -- the text forms of an expected value ---------------------------------------------
def number_forms(v: float) -> set[str]:
    """How a message could print a number: repr, %g, rounded to a few digits."""
    if not math.isfinite(v) or (v == int(v) and abs(v) < 10):
        return set()  # 0.0, 1.0, 2.0... are everywhere (indices, counts) and give nothing away
    forms = {repr(v), f"{v:g}", f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", f"{v:.4f}", f"{v:.2f}"}
    return {f.lstrip("-") for f in forms if sum(ch.isdigit() for ch in f) >= 2}


def needles(value) -> set[str]:
    """Every text form of a decoded expected value worth searching for."""
    if type(value) is bool or value is None or isinstance(value, (str, torch.dtype, torch.device)):
        return set()
    if type(value) is int:
        return {str(abs(value))} if abs(value) >= 10 else set()
    if type(value) is float:
        return number_forms(value)
    if type(value) is torch.Tensor:
        flat = value.detach().reshape(-1)
        found = set().union(*(needles(v.item()) for v in flat)) if flat.numel() else set()
        if value.is_floating_point() and flat.numel() > 1:  # the preview a report shows
            found.add(np.array2string(value.detach().double().numpy(), threshold=24, edgeitems=3,
                                      precision=4, separator=", "))
        return found
    if isinstance(value, np.ndarray):
        return needles(torch.from_numpy(value))
    if isinstance(value, dict):
        return set().union(set(), *(needles(v) for v in value.values()))
    if isinstance(value, (list, tuple)):
        found = set().union(set(), *(needles(v) for v in value))
        text = repr(value)
        return found | ({text} if any(ch.isdigit() for ch in text) and len(text) >= 6 else set())
    return set()


def leaks(text: str, forms: set[str]) -> list[str]:
    """The forms found in text as whole numbers (0.123 is not found inside 10.1234, nor 32
    inside float32: a dtype is the contract's, not an answer)."""
    return sorted(f for f in forms if re.search(r"(?<![\w.])" + re.escape(f) + r"(?!\d)", text))


# Where and how many elements differ is allowed (the brief's position information).
WHERE = re.compile(r"\d+ of \d+ elements differ|at index \([\d, ]*\)")


def rendered(check: CheckResult) -> str:
    """Everything a student sees of a check, less their own answer echoed back and
    where their tensor differs."""
    details = dict(check.details or {})
    got = details.pop("got", {})
    details.pop("difference", None)  # checked apart: only count, of and at may be there
    text = WHERE.sub("", "\n".join([check.title, check.message, check.hint, json.dumps(details)]))
    for own in (got.get("value"), got.get("preview")):
        if own:
            text = text.replace(own, "")
    return text


# -- the helpers, in and out of a hidden check ------------------------------------------
def failure(fn, *args, **kwargs) -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        fn(*args, **kwargs)
    return info.value


def shown(f: CheckFailure) -> str:
    details = dict(f.details or {})
    details.pop("got", None)
    return f"{f.message}\n{f.hint}\n{json.dumps(details)}"


WANT = torch.tensor([[0.3141, -2.7182], [1.4142, 17.25]])
CASES = {
    "values": lambda: expect_close(WANT + 0.5, WANT, "t"),
    "one value": lambda: expect_close(torch.tensor(1.2345), torch.tensor(6.789), "t"),
    "shape": lambda: expect_close(torch.zeros(3, 7), WANT, "t"),
    "int": lambda: expect_equal(57, 22, "count"),
    "list": lambda: expect_equal([["fc1.weight", (9, 3)]], [["fc1.weight", (7, 3)]], "params"),
    "float": lambda: expect_float(0.4321, 0.1234567, "mean"),
    "floats": lambda: expect_floats([0.5], [0.6931, 0.4462], "losses"),
    "keys": lambda: expect_keys({"body.0.weight": 1.0}, ["head.weight"], "means"),
}
# The answer in each case, and how far off the student was (with their value, the same thing).
ANSWERS = {"values": needles(WANT) | {"0.5"}, "one value": needles(6.789) | number_forms(6.789 - 1.2345),
           "shape": {"(2, 2)"}, "int": {"22"}, "list": needles([["fc1.weight", (7, 3)]]),
           "float": needles(0.1234567) | number_forms(0.4321 - 0.1234567), "floats": {"expected 2"},
           "keys": {"head.weight"}}


@pytest.mark.parametrize("case", CASES)
def test_public_checks_show_the_expected_value(case):
    """The search below finds the answer where a public check shows it."""
    assert not in_hidden_check()
    assert leaks(shown(failure(CASES[case])), ANSWERS[case])


@pytest.mark.parametrize("case", CASES)
def test_hidden_checks_say_what_is_wrong_without_the_answer(case):
    with hidden_check():
        f = failure(CASES[case])
    assert f.message and not leaks(shown(f), ANSWERS[case]), shown(f)
    assert not in_hidden_check()  # the mark ends with the check


def test_hidden_difference_keeps_where_not_how_much():
    with hidden_check():
        f = failure(expect_close, WANT + torch.tensor([[0.0, 0.0], [0.0, 3.0]]), WANT, "t")
    assert f.message == "t has the wrong values: 1 of 4 elements differ, the largest at index (1, 1)"
    assert f.details["difference"] == {"count": 1, "of": 4, "at": [1, 1]}
    assert set(f.details["expected"]) == {"dtype", "device"} and "preview" in f.details["got"]
    with hidden_check():
        assert failure(expect_close, torch.tensor(1.5), torch.tensor(2.5), "t").message == "t has the wrong value"


# -- every hidden check of the course, against every mutant and null student -------------
class Recorder(ExpectedValues):
    """Replays the store and notes which calls the hidden checks made (and which the public ones)."""

    def __init__(self, store: dict[str, bytes]) -> None:
        super().__init__(store)
        self.keys: dict[bool, set[str]] = {True: set(), False: set()}

    def call(self, probe, *args, **kwargs):
        self.keys[in_hidden_check()].add(call_key(probe, args, kwargs))
        return super().call(probe, *args, **kwargs)


@pytest.mark.parametrize("aid", HIDDEN_IDS)
def test_no_hidden_check_shows_the_references_answers(grader, aid):
    a = COURSE.get(aid)
    stub = (COURSE.template_dir / f"{aid}.py").read_text()
    sources = {f"mutant {m.stem}": mutant_source(m).decode() for m in a.mutants} | null_students(stub) | {"stub": stub}
    targets = [Target(name, SubmissionFile(f"{aid}.py", text.encode())) for name, text in sources.items()]
    recorder = Recorder(grader.expected(a))
    results = run_assignment(grader.channel, a, targets, recorder, True, grader.scratch, grader.limits, grader.hide,
                             hidden_key=grader.course.hidden_key(a.id))

    # Answers the public checks show anyway are no secret.
    secret = recorder.keys[True] - recorder.keys[False]
    forms = set().union(*(needles(transport.decode(recorder.store[k])) for k in secret))
    if not secret:
        pytest.skip(f"{aid}'s hidden checks ask the reference nothing")
    # A fault in the student's own code (status error, from the worker) is reported in
    # the worker's words, and the worker never sees an expected value.
    failed = [(t.student, c) for t, r in zip(targets, results) for c in r.checks if c.hidden and
              (c.status is Status.FAILED or c.message.startswith("the answer could not be checked"))]
    assert failed, "no hidden check failed: nothing was searched"
    found = {f"{who} / {c.check_id}: {c.message}": leaks(rendered(c), forms) for who, c in failed}
    assert not {k: v for k, v in found.items() if v}
    assert all(set((c.details or {}).get("difference", {})) <= {"count", "of", "at"} for _, c in failed)
