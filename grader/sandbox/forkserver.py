"""The fork server: a process that has paid for `import torch` once and forks workers.

The grader starts it through `ForkServer` (grader/engine/forkclient.py), as
`python -I -c BOOT SOCKET_PATH`; this module imports no torch until `serve`. It holds no
check, reference or expected value, so a worker forked from it inherits nothing
secret. Each worker is PID 1 of a PID namespace of its own, in network, mount and IPC
namespaces of its own: killing the worker then kills everything it started, daemons
included, and the worker has no network. As root the server forks the worker itself
into that PID namespace (`Children`) and, as its parent, reports how it ended. As an
ordinary user a user namespace must come first, which the server cannot leave again:
there it forks a supervisor that enters the namespaces and forks the worker
(`spawn_supervised`). Either way the grader reads the worker's PID, then how it ended,
from one status pipe. Isolation itself is grader/sandbox/isolation.py.
"""
from __future__ import annotations

import ctypes
import gc
import importlib
import os
import selectors
import signal
import socket
import struct
import sys
import time
from typing import Any, cast

from grader.wire.framing import PeerClosed, recv_frame
from grader.wire.spec import WorkerEnded, WorkerSpec, WorkerStarted, kill_every_process_of, worker_uid

WARM_UP_ENV = "GRADER_WARM_UP"  # set by grader/engine/forkclient.py; unset: everything


def warm_ups() -> set[str]:
    """The optional warm-ups asked for: optimizer, compare, huge_pages (all when unset)."""
    asked = os.environ.get(WARM_UP_ENV)
    return {"optimizer", "compare", "huge_pages"} if asked is None else set(filter(None, asked.split(",")))


def warm_up() -> None:
    """Pay torch's lazy imports here once, not in every worker (DESIGN.md, Speed).

    The first optimizer (torch._dynamo, ~1 s) and the first assert_close (sympy, ~0.5 s)
    pay off only when many workers would each pay them: a single check that builds no
    optimizer leaves them out (issue 20).
    """
    import numpy  # noqa: F401 - imported for the children
    import torch

    torch.set_num_threads(1)  # before any op: a started OpenMP pool hangs forked children
    asked = warm_ups()
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    x = torch.ones(4, 2)
    optimizers = (torch.optim.SGD(model.parameters(), lr=0.1), torch.optim.Adam(model.parameters(), lr=0.1)) \
        if "optimizer" in asked else (None,)
    for opt in optimizers:
        loss = torch.nn.functional.binary_cross_entropy(model(x), torch.zeros(4, 1))
        loss.backward()  # autograd's first backward, needed or not by an optimizer
        if opt is not None:
            opt.step()
            opt.zero_grad()
    torch.nn.MSELoss()(model(x), torch.zeros(4, 1)).item()
    if "compare" in asked:
        torch.testing.assert_close(torch.zeros(2), torch.zeros(2))
    torch.from_numpy(numpy.zeros(2)).numpy()
    with torch.no_grad():
        model.eval()(x)
    torch.empty(2, device="meta")

    import grader.sandbox.isolation  # noqa: F401
    import grader.sandbox.worker  # noqa: F401
    import grader.wire.transport  # noqa: F401

    # Workers cannot read the grader's files once confined, so what an assignment's
    # probes import must be loaded here: the authoring API's `need` (a re-export of
    # grader.sandbox.probes). By name: the sandbox depends on nothing above it.
    importlib.import_module("grader.authoring.probes")


MADV_HUGEPAGE, MADV_COLLAPSE = 14, 25
HUGE = 2 << 20


def use_huge_pages() -> int:
    """Back the server's anonymous memory (Python's heap, torch's registries: ~200 MiB)
    with 2 MiB pages; return how many bytes were collapsed.

    fork() copies, and exit() tears down, one page-table entry per 4 KiB page of
    anonymous memory: 2 MiB pages make both about 3x cheaper for every worker (measured:
    fork+exit 9.3 -> 3.5 ms). A child's write still copies only 4 KiB (the kernel splits
    the huge page), so workers' private memory does not grow. Kernels without
    MADV_COLLAPSE (< 6.1), with THP off, or with THP disabled for this process tree
    (PR_SET_THP_DISABLE, inherited from a container runtime) refuse the collapse and
    nothing changes.
    """
    if "huge_pages" not in warm_ups():  # ~0.3 s to collapse, ~6 ms saved per worker
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    collapsed = 0
    with open("/proc/self/maps") as fh:
        regions = [line.split() for line in fh]
    for fields in regions:
        start, end = (int(x, 16) for x in fields[0].split("-"))
        anonymous = len(fields) < 6 or fields[5] == "[heap]"
        start, end = (start + HUGE - 1) & ~(HUGE - 1), end & ~(HUGE - 1)
        if anonymous and "w" in fields[1] and end - start >= 2 * HUGE:
            if libc.madvise(start, end - start, MADV_HUGEPAGE) == 0 and \
                    libc.madvise(start, end - start, MADV_COLLAPSE) == 0:
                collapsed += end - start
    return collapsed


def _channels() -> tuple[socket.socket, socket.socket, int, int]:
    """The grader's and the worker's ends of a socket pair, and a status pipe (read, write)."""
    grader_end, worker_end = socket.socketpair()
    status_r, status_w = os.pipe()
    return grader_end, worker_end, status_r, status_w


def _fork(opened: tuple[socket.socket, socket.socket, int, int]) -> int:
    """fork(); out of processes or memory, give back what this attempt opened and raise."""
    try:
        return os.fork()
    except OSError:
        grader_end, worker_end, status_r, status_w = opened
        grader_end.close()
        worker_end.close()
        os.close(status_r)
        os.close(status_w)
        raise


def _become_worker(worker_end: socket.socket, spec: WorkerSpec, uid: int | None, cgroups: Any,
                   mount_namespace: bool, missing: list[str]) -> None:
    """In the forked worker, with the namespaces it has: never returns."""
    from grader.sandbox import isolation
    from grader.sandbox.worker import worker_main
    isolation.die_with_parent()
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # student code runs as under python
    worker_main(worker_end, spec, uid, cgroups, mount_namespace, missing)


def _ended(status: int, oom: bool) -> bytes:
    return WorkerEnded(os.waitstatus_to_exitcode(status), oom).to_json() + b"\n"


class Children:
    """As root: the server forks each worker itself, as PID 1 of a new PID namespace, and
    reports its end once it reaps it (a pidfd per worker in the server's loop).

    One fork per worker instead of a supervisor's and a worker's: each fork of this process
    copies the page tables of torch's ~300 MiB, and the supervisor's exit tears its copy
    down again (issue 20: a worker 23-26 -> 17 ms of CPU). The namespace is the kernel's
    `pid_ns_for_children`: set before the fork, put back right after it, so the server
    itself never moves and each worker gets a namespace of its own.
    """

    def __init__(self, sel: selectors.BaseSelector, own_pid_ns: int | None) -> None:
        self.sel = sel
        self.own_pid_ns = own_pid_ns  # None: no PID namespaces here; each worker's uid is swept instead
        self.live: dict[int, tuple[int, int, bool]] = {}  # pidfd -> (pid, status pipe, PID namespace?)

    @classmethod
    def start(cls, sel: selectors.BaseSelector) -> Children | None:
        """Direct workers where this process is root and the kernel has pidfds (Linux 5.3);
        None: supervisors instead (they are reaped by the kernel, SIGCHLD ignored)."""
        if os.geteuid() != 0:
            return None
        try:
            os.close(os.pidfd_open(os.getpid()))
        except (AttributeError, OSError):
            return None
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # workers stay to be reaped, with their status
        own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        if not _pid_namespaces_come_back(own):
            os.close(own)
            return cls(sel, None)
        return cls(sel, own)

    def spawn(self, spec: WorkerSpec) -> tuple[int, int, int]:
        """Fork the worker; return (grader's socket fd, status pipe read fd, a pidfd of it).

        The grader kills the worker through the pidfd, never by its number: a worker that
        exits by itself is reaped here, and its pid may go to another student's worker
        before the grader's kill arrives."""
        from grader.sandbox import isolation
        opened = grader_end, worker_end, status_r, status_w = _channels()
        pid_ns = self.own_pid_ns is not None and isolation.pid_namespace_for_children()
        try:
            pid = _fork(opened)
        except OSError:
            if pid_ns:
                self._own_pid_namespace_again()
            raise
        if pid_ns and pid != 0:
            self._own_pid_namespace_again()
        if pid == 0:  # the worker: trusted code until worker_main imports the student's module
            try:
                _close_fds_except({worker_end.fileno()})
                outer_pid = _pid_as_the_server_sees_it(pid_ns)
                namespaces, missing = isolation.enter_namespaces(("network", "mount", "ipc"))
                cgroups = isolation.Cgroups(f"w{outer_pid}", spec.limits.memory_mb * 2**20, spec.limits.processes)
                missing = ([] if pid_ns else ["pid namespace"]) + missing + cgroups.missing
                _become_worker(worker_end, spec, worker_uid(outer_pid), cgroups, "mount" in namespaces, missing)
            finally:
                os._exit(70)
        worker_end.close()
        try:
            pidfd = os.pidfd_open(pid)
            try:
                theirs = os.dup(pidfd)
            except OSError:
                os.close(pidfd)
                raise
        except OSError:  # out of descriptors: this worker is lost, the server goes on
            os.kill(pid, signal.SIGKILL)  # still our unreaped child: the pid is its own
            _take_down(pid, pid_ns)
            grader_end.close()
            os.close(status_r)
            os.close(status_w)
            raise
        self.live[pidfd] = (pid, status_w, pid_ns)
        self.sel.register(pidfd, selectors.EVENT_READ, self)
        os.write(status_w, WorkerStarted(pid, () if pid_ns else ("pid namespace",)).to_json() + b"\n")
        return grader_end.detach(), status_r, theirs

    def _own_pid_namespace_again(self) -> None:
        from grader.sandbox import isolation
        if self.own_pid_ns is None or not isolation.own_pid_namespace_for_children(self.own_pid_ns):
            # Every later worker would be born in this one's namespace: stop rather than that.
            os.write(2, b"fork server: could not leave a worker's PID namespace\n")
            os._exit(1)

    def reap(self, pidfd: int) -> None:
        """A worker ended (its pidfd is readable): take it down and tell the grader how it ended."""
        pid, status_w, pid_ns = self.live.pop(pidfd)
        self.sel.unregister(pidfd)
        os.close(pidfd)
        status, oom = _take_down(pid, pid_ns)
        try:
            os.write(status_w, _ended(status, oom))
        except OSError:  # the grader is gone or closed its end
            pass
        os.close(status_w)


def _take_down(pid: int, pid_ns: bool) -> tuple[int, bool]:
    """Once the worker `pid` (the server's child) has ended: sweep its uid where no PID
    namespace took its daemons down, read and remove its cgroups, then reap it; return its
    wait status and whether it hit its memory limit. Reaped last: until then its pid is
    held (a zombie), so no other worker, of this server or another, is given that pid and
    with it the name of these cgroups."""
    from grader.sandbox import isolation
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped yet
    if not pid_ns:
        kill_every_process_of(worker_uid(pid))
    cgroups = isolation.Cgroups.made(f"w{pid}")
    oom = cgroups.hit_memory_limit()
    cgroups.remove()
    _, status = os.waitpid(pid, 0)
    return status, oom


def _pid_as_the_server_sees_it(pid_ns: bool) -> int:
    """In a worker the server forked: its pid in the server's namespace (what fork() returned
    there, which names its uid and cgroups). getpid() says 1 in a namespace of its own; the
    server's is the last but one of the NSpid line, whichever namespace /proc belongs to."""
    if not pid_ns:
        return os.getpid()
    with open("/proc/self/status") as fh:
        line = next(line for line in fh if line.startswith("NSpid:"))
    return int(line.split()[-2])


def _pid_namespaces_come_back(own: int) -> bool:
    """Whether a new PID namespace for children can be made and left again, tried in a child
    so that a kernel or container that allows only the first leaves the server as it was."""
    from grader.sandbox import isolation
    pid = os.fork()
    if pid == 0:
        os._exit(0 if isolation.pid_namespace_for_children() and isolation.own_pid_namespace_for_children(own)
                 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def spawn_supervised(spec: WorkerSpec) -> tuple[int, int]:
    """Fork a supervisor that enters the namespaces and forks the worker; return (grader's
    socket fd, status pipe read fd). The path where the server is not root."""
    from grader.sandbox import isolation
    opened = grader_end, worker_end, status_r, status_w = _channels()
    pid = _fork(opened)
    if pid == 0:  # the supervisor: trusted code only, never the student's
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            isolation.die_with_parent()
            _close_fds_except({worker_end.fileno(), status_w})
            as_root = os.geteuid() == 0
            namespaces, missing = isolation.enter_namespaces()
            uid = worker_uid(os.getpid()) if as_root else None
            cgroups = isolation.Cgroups(f"w{os.getpid()}", spec.limits.memory_mb * 2**20,
                                        spec.limits.processes) if as_root else None
            missing += cgroups.missing if cgroups else ["memory and pids cgroups (not root)"]
            worker = os.fork()
            if worker == 0:
                os.close(status_w)
                _become_worker(worker_end, spec, uid, cgroups, "mount" in namespaces, missing)
            worker_end.close()
            os.write(status_w, WorkerStarted(worker, tuple(missing)).to_json() + b"\n")
            _, status = os.waitpid(worker, 0)
            if uid is not None and "pid" not in namespaces:  # no PID namespace took a daemon down with it
                kill_every_process_of(uid)
            oom = bool(cgroups and cgroups.hit_memory_limit())
            if cgroups:
                cgroups.remove()
            os.write(status_w, _ended(status, oom))
        finally:
            os._exit(0)
    worker_end.close()
    os.close(status_w)
    return grader_end.detach(), status_r


def _close_fds_except(keep: set[int]) -> None:
    """Drop every inherited descriptor (the server's socket, other graders' channels)."""
    import resource  # the fork server runs on Linux only: not at import (issue 15, item 3)

    last = 3
    for fd in sorted(keep | {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}):
        if fd >= last:
            os.closerange(last, fd)
            last = fd + 1


def serve(path: str) -> None:
    """The fork server's main loop: warm up, listen on `path`, answer each request with a worker."""
    from grader.sandbox import isolation
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    # Ctrl-C in a terminal signals the whole process group: the grader handles it and closes
    # us (so do its exit and our stdin's EOF); a traceback from here would only be noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()
    isolation.python_folders()  # once here, not in every worker (mounts and Landlock both use it)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    gc.collect()
    gc.freeze()  # keep workers' collections off torch's objects (74 -> 25 MiB private)
    use_huge_pages()
    print("ready", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    children = Children.start(sel)
    start = children.spawn if children is not None else spawn_supervised
    # The grader holds our stdin open: EOF means it is gone, whichever thread started us
    # (PR_SET_PDEATHSIG follows the starting thread, and a Dask worker may use a pool thread).
    try:
        sel.register(sys.stdin.fileno(), selectors.EVENT_READ)
    except (OSError, ValueError):  # not a pipe (started by hand): PR_SET_PDEATHSIG is all there is
        isolation.die_with_parent()
    while True:
        for key, _ in sel.select():
            if key.data is children and children is not None:
                children.reap(cast(int, key.fileobj))
                continue
            if key.fileobj == sys.stdin.fileno():
                if not os.read(sys.stdin.fileno(), 4096):
                    os._exit(0)
                continue
            if key.fileobj is listener:
                conn, _ = listener.accept()
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = cast(socket.socket, key.fileobj)  # a connection: the listener and stdin were handled above
            try:
                spec = WorkerSpec.from_json(recv_frame(conn))
            except (PeerClosed, OSError, ValueError):  # SpecError is a ValueError: hang up on a bad request
                sel.unregister(conn)
                conn.close()
                continue
            try:
                answer(conn, spec, start)
            except OSError:
                sel.unregister(conn)
                conn.close()


FORK_TRIES = 5


def answer(conn: socket.socket, spec: WorkerSpec, start: Any = spawn_supervised) -> None:
    """Start the worker `spec` asks for and pass its descriptors to the grader (its socket,
    the status pipe and, where the server is the worker's parent, a pidfd).

    fork() fails with EAGAIN when processes or memory run out (a student's fork bomb
    reaching RLIMIT_NPROC where there is no pids cgroup, as an ordinary user): retry for
    about 1.5 s while that worker is killed, then answer with no descriptors. That
    submission's check fails; the server, and every later student, go on.
    """
    fds: tuple[int, ...] = ()
    for attempt in range(FORK_TRIES):
        try:
            fds = start(spec)
            break
        except OSError:
            if attempt + 1 < FORK_TRIES:
                time.sleep(0.05 * 2 ** attempt)
    try:
        socket.send_fds(conn, [struct.pack("!I", len(fds))], list(fds))
    finally:
        for fd in fds:
            os.close(fd)
