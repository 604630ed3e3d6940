"""Which CPUs a batch's lone grading process, its fork server and its workers run on (issue 20).

A grading process and the worker it is talking to take turns: the grader sends a call
and waits, the worker answers and waits. On different CPUs every turn wakes an idle CPU
(on a virtual machine an interrupt through the hypervisor: a socket round trip of 54 us
against 4 us on one CPU, measured here), and the fork server's work for the next worker
(fork, isolation, import) and the teardown of the last one land on the grader's CPU as
often as not. So, while `grader grade -j 1` grades, its process keeps one CPU, its home:
a worker moves there once its module is imported (or as soon as the grader waits for
it) and is sent back before it is killed; the fork server, and so every worker starting,
runs on the others. Measured per student over 81 students on 2 CPUs: 23.3 -> 19.9 ms
(README, Figures, fifth pass).

Only for a batch at -j 1 (`grader grade`): a pool's processes would compete for the CPUs
left to the server, and one-student commands (check, watch, ci, gradescope-run) gain
little while a pinned process cannot be moved away from a CPU that other graders on a
shared machine (a lab server, CI jobs side by side) also picked. Linux only, two CPUs or
more, the fork engine, and never with GRADER_PLACEMENT=off. Both affinities are put back
when grading ends; a refusal by the kernel (a cpuset; moving another uid's worker without
CAP_SYS_NICE, as root in a container) leaves a process where it is.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

PLACEMENT_ENV = "GRADER_PLACEMENT"


@dataclass(frozen=True)
class Placement:
    """`home`: the grading process's CPU, shared with the worker it talks to; `rest`: the
    CPUs of the fork server (process `server`)."""

    home: int
    rest: frozenset[int]
    server: int


def placement_for(server: object, jobs: int = 1, environ: Mapping[str, str] = os.environ) -> Placement | None:
    """The placement for a batch's one grading process and the engine `server` (a Starter:
    only a fork server this process started has a process to place), or None."""
    from grader.engine.forkclient import ForkServer

    if environ.get(PLACEMENT_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    proc = server.proc if isinstance(server, ForkServer) else None
    if proc is None or jobs != 1 or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = os.sched_getaffinity(0)
    if len(cpus) < 2:
        return None
    here = current_cpu()
    home = here if here in cpus else min(cpus)  # where the scheduler already runs us: likely not busy
    return Placement(home, frozenset(cpus - {home}), proc.pid)


def current_cpu() -> int | None:
    """The CPU this thread last ran on (field 39 of its stat), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()  # the command's name may hold spaces and ")"
        return int(fields[36])
    except (OSError, IndexError, ValueError):
        return None


@contextmanager
def placed(placement: Placement | None) -> Iterator[None]:
    """This thread on `placement.home` and the fork server on the rest while the block
    runs; both as they were afterwards, whatever ends the block. No placement: nothing
    happens. One thread at a time per fork server (a Grader is used by one thread)."""
    if placement is None:
        yield
        return
    saved = [(pid, affinity(pid)) for pid in (0, placement.server)]
    try:
        move(placement.server, placement.rest)
        move(0, {placement.home})
        yield
    finally:
        for pid, cpus in saved:
            if cpus is not None:
                move(pid, cpus)


def affinity(pid: int) -> set[int] | None:
    """The CPUs `pid` (0: this thread) may run on, or None where that cannot be read."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    try:
        return os.sched_getaffinity(pid)
    except OSError:
        return None


def move(pid: int, cpus: set[int] | frozenset[int]) -> None:
    """sched_setaffinity, where a refusal (a cpuset, a process gone) only means no move."""
    try:
        os.sched_setaffinity(pid, cpus)
    except OSError:
        pass
