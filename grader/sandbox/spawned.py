"""A worker started as a fresh interpreter (the spawn engine, issue 15 item 3).

Where forking a process that imported torch is unsafe or impossible (macOS, Windows), or the
fork server's isolation calls are missing, the grader (grader/engine/spawnclient.py) starts
`python -I -c BOOT ADDRESS` once per student and assignment. This module connects back, reads
the WorkerSpec, applies the layers this platform has (each missing one is named in the
report) and runs the same worker_main as a forked worker, over the same framed transport.
The wall clock is the grader's: it kills this process (and its process group) from outside.
"""
from __future__ import annotations

import os
import socket
import sys
import threading

from grader.wire.framing import recv_frame, send_frame
from grader.wire.spec import WorkerSpec, worker_uid


def connect(address: str) -> socket.socket:
    """The grader's socket: `fd:N`, an inherited socketpair end (POSIX), or `tcp:PORT:TOKEN`,
    a localhost connection that proves itself with the token (where descriptors cannot be passed)."""
    how, _, rest = address.partition(":")
    if how == "fd":
        return socket.socket(fileno=int(rest))
    port, _, token = rest.partition(":")
    sock = socket.create_connection(("127.0.0.1", int(port)))
    send_frame(sock, token.encode())
    return sock


def exit_with_grader() -> None:
    """End this worker when the grader process goes (however it ends): the grader holds the
    write end of our stdin and never writes, so EOF means it is gone. PR_SET_PDEATHSIG
    cannot do this job here: it follows the grader *thread* that started us."""
    from grader.sandbox import isolation

    isolation.parent_death_signal(False)
    lifeline = os.dup(0)  # worker_main points fd 0 at /dev/null; the duplicate stays ours

    def watch() -> None:
        try:  # a read blocked here keeps its pipe even if the student closes or replaces the fd
            while os.read(lifeline, 4096):
                pass
        finally:  # EOF, or the read failed (the descriptor was closed before it began): end
            os._exit(0)

    threading.Thread(target=watch, name="grader-lifeline", daemon=True).start()


def main(address: str) -> None:
    """Entry point of a spawned worker; never returns."""
    exit_with_grader()
    sock = connect(address)
    spec = WorkerSpec.from_json(recv_frame(sock))
    # The fork server's warm-up: torch's lazy imports paid before the student's time starts
    # (their limits mean the same under both engines), and what the worker needs of the
    # grader package imported before its files may be hidden.
    from grader.sandbox.forkserver import warm_up
    warm_up()
    from grader.sandbox.worker import worker_main
    worker_main(sock, spec, *layers())


def layers() -> tuple[int | None, None, bool, list[str]]:
    """Enter what isolation this platform has: (uid to become, no cgroups, mount namespace?, missing)."""
    from grader.sandbox import isolation

    missing = ["memory and pids cgroups (spawn engine)"]
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    uid = worker_uid(os.getpid()) if as_root else None
    if not sys.platform.startswith("linux"):
        return uid, None, False, missing + ["namespaces (not Linux)"]
    entered, absent = isolation.enter_namespaces(("network", "mount", "ipc"))
    # A PID namespace holds only the caller's children: what the student starts is killed
    # with the worker's process group instead, which a process that leaves it escapes.
    return uid, None, "mount" in entered, missing + absent + ["pid namespace (spawn engine)"]
