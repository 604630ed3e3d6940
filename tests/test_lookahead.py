"""Issue 20: a check's calls are sent to the worker before the check asks for them
(grader/engine/lookahead.py), and that changes no outcome. Behaviour only: timings are
the benchmark's (benchmarks/bench.py)."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import torch
from conftest import FAST_LIMITS
from helpers import ROOT

from grader.authoring.mutants import mutant_source
from grader.course.catalogue import load_course
from grader.course.submission import SubmissionFile
from grader.engine import lookahead
from grader.engine.grading import Grader, Target, make_handle
from grader.engine.lookahead import CallScripts
from grader.engine.workers import WorkerFailure, request

STUDENT = '''\
import os, sys, time


def f(x):
    print("called f", x, flush=True)
    return x * 2


def g(x):
    return x * 10


def hang():
    time.sleep(60)


def die():
    os._exit(3)
'''


@pytest.fixture
def tiny(tmp_path):
    """A course of one assignment without checks of its own: the tests call the handle."""
    folder = tmp_path / "course" / "assignments" / "tiny"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('title = "Tiny"\norder = 1\npoints = 1\n')
    (folder / "checks_public.py").write_text("")
    return load_course(tmp_path / "course")


@pytest.fixture
def handle_of(tiny, server, tmp_path):
    """handle_of(source): a started StudentHandle on its own worker, closed at the end."""
    made = []
    grader = Grader(tiny, server, limits=FAST_LIMITS)

    def make(source: str = STUDENT, limits: dict[str, float] = FAST_LIMITS):
        target = Target(f"s{len(made)}", SubmissionFile("tiny.py", source.encode()))
        handle = make_handle(grader.channel, tiny.get("tiny"), target, tmp_path / f"scratch{len(made)}", limits)
        handle.prestart()
        handle._start.wait()  # ready: begin_check sends its guesses at once
        made.append(handle)
        return handle

    yield make
    for handle in made:
        handle.close()
    grader.close()


def calls(*made: tuple) -> list[bytes]:
    return [request(name, args, {}) for name, *args in made]


def test_a_check_that_stopped_early_keeps_the_longer_guess():
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1), ("f", 2), ("f", 3)))
    scripts.learn("c", calls(("f", 1)))  # failed at its first comparison
    assert scripts.guess("c") == calls(("f", 1), ("f", 2), ("f", 3))
    scripts.learn("c", calls(("f", 1), ("f", 2), ("f", 3), ("f", 4)))  # went further
    assert scripts.guess("c") == calls(("f", 1), ("f", 2), ("f", 3), ("f", 4))


def test_a_check_whose_calls_keep_changing_is_not_guessed_until_they_repeat():
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1)))
    scripts.learn("c", calls(("f", 2)))  # inputs that depend on the student's answers
    assert scripts.guess("c") == calls(("f", 2))
    scripts.learn("c", calls(("f", 3)))
    assert scripts.guess("c") == []
    scripts.learn("c", calls(("f", 3)))  # the same again: guessed again
    assert scripts.guess("c") == calls(("f", 3))


def test_a_call_too_large_to_send_ahead_ends_the_guess_and_costs_no_memory():
    scripts = CallScripts()
    large = torch.zeros(lookahead.AHEAD_BYTES)
    scripts.learn("c", calls(("f", 1), ("f", large), ("f", 2)))
    assert scripts.guess("c") == calls(("f", 1))
    scripts.learn("c", calls(("f", 1), ("f", large), ("f", 2)))
    assert scripts.guess("c") == calls(("f", 1))  # the same calls again: no miss


def test_a_checks_calls_reach_the_worker_before_the_check_makes_them(handle_of):
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1), ("f", 2), ("f", 3)))
    handle = handle_of()
    handle.begin_check("c", scripts)
    for _ in range(200):  # no call made yet: the worker answers the guesses by itself
        if handle.output().count("called f") == 3:
            break
        time.sleep(0.01)
    assert handle.output().splitlines() == ["called f 1", "called f 2", "called f 3"]
    assert [handle.f(1), handle.f(2), handle.f(3)] == [2, 4, 6]
    assert handle.output().count("called f") == 3  # each answer was the guess's, none asked twice


def test_a_check_that_goes_another_way_gets_the_answers_to_its_own_calls(handle_of):
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1), ("f", 2), ("f", 3)))
    handle = handle_of()
    handle.begin_check("c", scripts)
    assert handle.f(1) == 2
    assert handle.g(5) == 50  # not the answer to the guess f(2) waiting in the pipe
    assert handle.f(3) == 6
    handle.begin_check("d", scripts)
    assert handle.f(7) == 14
    assert handle.events == []
    assert scripts.guess("c") == calls(("f", 1), ("g", 5), ("f", 3))


def test_guesses_a_check_did_not_use_are_not_answers_to_the_next_check(handle_of):
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1), ("f", 2), ("f", 3)))
    handle = handle_of()
    handle.begin_check("c", scripts)
    assert handle.f(1) == 2  # then the check failed: f(2) and f(3) were never asked for
    handle.begin_check("d", scripts)
    assert handle.f(7) == 14
    assert handle.g(1) == 10


@pytest.mark.parametrize("guess", ["hang", "die"])
def test_a_guess_that_hangs_or_ends_the_worker_costs_no_outcome(handle_of, guess):
    """The guess after the check's last call never answers: the worker is replaced without a
    word (no crash or timeout is reported), within DRAIN_SECONDS, not the call's limit (10 s)."""
    scripts = CallScripts()
    scripts.learn("c", calls(("f", 1), (guess,)))
    handle = handle_of(limits={"call_timeout": 10.0})
    handle.begin_check("c", scripts)
    old = handle._worker
    assert handle.f(1) == 2
    started = time.monotonic()
    handle.begin_check("d", scripts)
    assert handle.f(7) == 14
    assert time.monotonic() - started < 5
    assert handle._worker is not old and not old.alive
    assert handle.events == [] and handle.unavailable is None


FLOOD = STUDENT + '''

def flood():
    """Answer calls it never reads: write answers of its own for ever, read nothing."""
    import socket, stat, struct
    from grader.wire import transport
    def is_socket(fd):
        try:
            return stat.S_ISSOCK(os.fstat(fd).st_mode)
        except OSError:
            return False
    fd = next(fd for fd in range(3, 64) if is_socket(fd))
    sock = socket.socket(fileno=os.dup(fd))
    forged = transport.encode({"ok": 0})
    while True:
        sock.sendall(struct.pack("!Q", len(forged)) + forged)
'''


def test_a_worker_that_stops_reading_its_calls_cannot_block_the_grader(handle_of):
    """It answers calls it has not read, so the grader keeps sending until the socket's
    buffer is full: the send then fails after the call limit instead of blocking for ever."""
    handle = handle_of(FLOOD)
    big = torch.zeros(2**18)  # 1 MiB a call
    outcome: list = []

    def attack() -> None:
        try:
            handle.flood()
            for _ in range(200):
                handle.f(big)
            outcome.append("never stopped")
        except WorkerFailure as failure:
            outcome.append(failure)

    thread = threading.Thread(target=attack, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the grader blocked sending to a worker that reads nothing"
    assert isinstance(outcome[0], WorkerFailure) and "stopped reading" in outcome[0].message


def test_grading_with_calls_sent_ahead_gives_what_grading_without_gives(fork_grader, course, monkeypatch):
    """Known-wrong solutions (the mutants), the reference and hostile ones, graded with and
    without guesses: the same results, and the guesses were used."""
    assignment = course.get("tensor_creation")
    hostile = ROOT / "tests" / "fixtures" / "hostile"
    files = [(m.stem, mutant_source(m)) for m in assignment.mutants]
    files += [("reference", (ROOT / "reference" / "tensor_creation.py").read_bytes())]
    files += [(p.stem, p.read_bytes()) for p in sorted(hostile.glob("[cgh]0*.py"))][:8]
    targets = [Target(name, SubmissionFile("tensor_creation.py", data)) for name, data in files]
    claimed = []
    claim = lookahead.Lookahead.claim

    def counting(self, payload):
        hit = claim(self, payload)
        claimed.append(hit)
        return hit

    monkeypatch.setattr(lookahead.Lookahead, "claim", counting)
    with_guesses = fork_grader.grade(assignment, targets)
    assert claimed.count(True) > 10 * len(targets)  # most calls were answered ahead
    monkeypatch.setattr(lookahead, "GIVE_UP_AFTER", 0)  # nothing is guessed
    claimed.clear()
    without = fork_grader.grade(assignment, targets)
    assert claimed == []
    plain = lambda results: [dataclasses.replace(r, seconds=0.0) for r in results]  # noqa: E731
    assert plain(with_guesses) == plain(without)
    assert sum(not r.checks or any(c.failed for c in r.checks) for r in without) >= len(assignment.mutants)

