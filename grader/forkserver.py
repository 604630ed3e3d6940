"""The fork server: a process that has paid for `import torch` once and forks workers.

Started by the grader as `python -I -m grader.forkserver SOCKET_PATH`. It holds no
check, reference or expected value, so a worker forked from it inherits nothing
secret. For each request it forks a supervisor, which (as root) enters fresh PID and
network namespaces and forks the worker as PID 1 there: killing the worker then kills
everything it started, daemons included, and the worker has no network. The
supervisor reports the worker's PID and, later, how it ended.
"""
from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
from typing import Any

from grader.framing import PeerClosed, recv_frame, send_frame


def warm_up() -> None:
    """Pay torch's lazy imports here once, not in every worker (DESIGN.md, Speed)."""
    import numpy  # noqa: F401 - imported for the children
    import torch

    torch.set_num_threads(1)  # before any op: a started OpenMP pool hangs forked children
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    x = torch.ones(4, 2)
    for opt in (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters(), lr=0.1)):
        loss = torch.nn.functional.binary_cross_entropy(model(x), torch.zeros(4, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    torch.nn.MSELoss()(model(x), torch.zeros(4, 1)).item()
    torch.testing.assert_close(torch.zeros(2), torch.zeros(2))
    torch.from_numpy(numpy.zeros(2)).numpy()
    with torch.no_grad():
        model.eval()(x)
    torch.empty(2, device="meta")

    import grader.sandbox  # noqa: F401
    import grader.transport  # noqa: F401


def spawn(spec: dict[str, Any]) -> tuple[int, int]:
    """Fork supervisor and worker; return (grader's socket fd, status pipe read fd)."""
    from grader import sandbox

    grader_end, worker_end = socket.socketpair()
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # supervisor
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sandbox.die_with_parent()
            grader_end.close()
            os.close(status_r)
            isolated = sandbox.unshare(sandbox.CLONE_NEWPID | sandbox.CLONE_NEWNET)
            worker = os.fork()
            if worker == 0:
                os.close(status_w)
                sandbox.die_with_parent()
                os.setsid()
                spec["isolated"] = isolated
                sandbox.worker_main(worker_end, spec)
            worker_end.close()
            os.write(status_w, f"{worker} {int(isolated)}\n".encode())
            _, status = os.waitpid(worker, 0)
            os.write(status_w, f"{status}\n".encode())
        finally:
            os._exit(0)
    worker_end.close()
    os.close(status_w)
    fds = (grader_end.detach(), status_r)
    return fds


def serve(path: str) -> None:
    from grader import sandbox

    sandbox.die_with_parent()
    if os.getppid() == 1:
        sys.exit(0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    warm_up()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    gc.collect()
    gc.freeze()  # keep workers' collections off torch's objects (74 -> 25 MiB private)
    print("ready", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                spec = json.loads(recv_frame(conn))
            except (PeerClosed, OSError, ValueError):
                sel.unregister(conn)
                conn.close()
                continue
            fds = spawn(spec)
            try:
                socket.send_fds(conn, [struct.pack("!I", len(fds))], list(fds))
            except OSError:
                sel.unregister(conn)
                conn.close()
            finally:
                for fd in fds:
                    os.close(fd)


if __name__ == "__main__":
    serve(sys.argv[1])
