"""The sandbox engine: failures of one call stay in that call, and say what happened."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import failed_checks, grade_source

from grader.results import Status
from grader.sandbox import landlock

REF = "reference/tensor_creation.py"


# Every test below that takes `grader` or `fast_grader` runs through both engines (issue 15):
# the fork server's workers, and spawned interpreters (GRADER_ENGINE=spawn).
@pytest.fixture(params=["fork", "spawn"])
def grader(request, grader):
    return grader if request.param == "fork" else request.getfixturevalue("spawn_grader")


@pytest.fixture(params=["fork", "spawn"])
def fast_grader(request, fast_grader):
    return fast_grader if request.param == "fork" else request.getfixturevalue("spawn_fast_grader")


def reference_with(extra: str) -> str:
    from helpers import ROOT
    return (ROOT / REF).read_text() + "\n" + extra


def test_hang_at_import_scores_zero_within_the_limit(fast_grader):
    result = grade_source(fast_grader, "tensor_creation", "while True:\n    pass\n")
    assert result.score == 0
    first, *rest = result.checks  # said once; the other checks are not run because of it
    assert first.status is Status.TIMEOUT and all(c.status is Status.NOT_RUN for c in rest)
    assert "timed out after 2 s" in result.checks[0].message


def test_sleep_at_import_is_a_wall_clock_timeout(fast_grader):
    result = grade_source(fast_grader, "tensor_creation", "import time\ntime.sleep(10**6)\n")
    assert result.score == 0 and "timed out" in result.error


def test_ignored_signals_do_not_stop_the_kill(fast_grader):
    src = "import signal\nfor s in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT):\n    signal.signal(s, signal.SIG_IGN)\nwhile True: pass\n"
    result = grade_source(fast_grader, "tensor_creation", src)
    assert result.score == 0 and "timed out" in result.error


def test_one_hanging_function_fails_only_its_checks(fast_grader):
    result = grade_source(fast_grader, "tensor_creation", reference_with(
        "def make_randn(rows, cols, seed):\n    while True:\n        pass\n"))
    assert failed_checks(result) == {"randn_is_reproducible", "creation_on_new_inputs"}
    timed_out = {c.check_id for c in result.checks if c.status is Status.TIMEOUT}
    assert timed_out == {"randn_is_reproducible", "creation_on_new_inputs"}
    assert result.score == 8
    assert "timed out" in result.notes


def test_segfault_in_one_function_fails_only_its_checks(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def describe(t):\n    import ctypes\n    return ctypes.string_at(0)\n"))
    assert failed_checks(result) == {"describe", "describe_other_tensors"}
    crash = next(c for c in result.checks if c.check_id == "describe")
    assert "SIGSEGV" in crash.message and crash.status is Status.ERROR


def test_exit_during_a_call_is_reported(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def to_numpy(t):\n    import os\n    os._exit(0)\n"))
    assert failed_checks(result) == {"to_numpy", "numpy_round_trips"}
    assert "exit code 0" in next(c for c in result.checks if c.check_id == "to_numpy").message


@pytest.mark.parametrize("source,words", [
    ("def from_data(:\n", "SyntaxError"),
    ("import tensorflow\n", "ModuleNotFoundError"),
    ("raise SystemExit(0)\n", "SystemExit"),
    ("x = 1 / 0\n", "ZeroDivisionError: division by zero (line 1"),
    (b"\x00\x01garbage", "null bytes"),
])
def test_broken_module_scores_zero_with_the_reason(grader, source, words):
    result = grade_source(grader, "tensor_creation", source)
    assert result.score == 0
    assert words in result.error
    first, *rest = result.checks  # said once; the other checks are not run because of it
    assert words in first.message and all(c.status is Status.NOT_RUN for c in rest)


def test_missing_function_fails_only_its_checks_and_says_so(grader):
    src = reference_with("del to_float32\n")
    result = grade_source(grader, "tensor_creation", src)
    assert failed_checks(result) == {"to_float32", "numpy_round_trips"}
    check = next(c for c in result.checks if c.check_id == "to_float32")
    assert "no function named to_float32" in check.message and check.hint


def test_wrong_return_type_is_named(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def make_ones(rows, cols):\n    return [[1.0] * cols for _ in range(rows)]\n"))
    check = next(c for c in result.checks if c.check_id == "zeros_and_ones")
    assert "should return a torch.Tensor, got list" in check.message


def test_global_state_changed_by_one_call_does_not_leak_into_the_next(grader):
    # make_zeros switches the default dtype and grad mode and leaves them so; the
    # worker resets both before every call, so only make_zeros' own checks see it.
    result = grade_source(grader, "tensor_creation", reference_with(
        "def make_zeros(rows, cols):\n    torch.set_default_dtype(torch.float64)\n"
        "    torch.set_grad_enabled(False)\n    return torch.zeros(rows, cols)\n"))
    assert failed_checks(result) == {"zeros_and_ones", "creation_on_new_inputs"}


def test_student_output_is_kept_and_bounded(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "print('hello from import')\nfor _ in range(10000):\n    print('x' * 100)\n"))
    assert result.score == 10
    assert result.output.startswith("hello from import")
    assert "bytes left out" in result.output and len(result.output) < 10000


@pytest.mark.skipif(landlock.abi_version() < 4, reason="this kernel has no Landlock TCP rules (ABI 4)")
def test_workers_run_under_landlock_where_the_kernel_has_it(grader):
    # Without Landlock the empty network namespace refuses with ENETUNREACH; Landlock first, EACCES.
    result = grade_source(grader, "tensor_creation", reference_with(
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=2)\n"
        "except OSError as exc:\n    print('tcp:', exc.strerror)\n"))
    refused = [n for n in result.notes if "Landlock" in n]
    if refused:  # the kernel has it, but something above us (a seccomp filter) refuses it
        pytest.skip(f"Landlock could not be applied here: {refused[0]}")
    assert result.score == 10
    assert result.output.startswith("tcp: Permission denied"), result.output


def test_a_layer_the_worker_could_not_apply_is_named_in_the_report(course, grader):
    """Layers the worker applies itself (mounts, Landlock, rlimits, its own uid) reach the report too."""
    from grader.engine.grading import Grader

    # A kernel without Landlock, played by a fork server whose Landlock says "none".
    engine = type(grader.server)  # ForkServer or SpawnStarter: both take a prelude
    with engine(prelude="import grader.sandbox.landlock as l; l.abi_version = lambda: 0") as old_kernel, \
            Grader(course, old_kernel, expected_values=grader.expected_values) as g:
        result = grade_source(g, "tensor_creation", reference_with(""))
    assert result.score == 10
    layers = next(n for n in result.notes if n.startswith("sandbox layers not available here: "))
    assert "Landlock (not in this kernel)" in layers.split(": ", 1)[1].split(", ")


# System V IPC outlives the process that made it and is shared by every process of its
# IPC namespace: one student's queue, readable by the next student graded (THREATS 29).
SYSV_QUEUE = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
queue = libc.msgget(0x67726472, {flags})
print("queue:", "none" if queue < 0 else "found", flush=True)
"""


def test_students_share_no_ipc_objects(grader):
    import ctypes

    libc = ctypes.CDLL(None)
    try:
        writer = grade_source(grader, "tensor_creation", reference_with(SYSV_QUEUE.format(flags="0o1666")))
        assert writer.output.startswith("queue: found"), writer.output  # made in its own namespace
        reader = grade_source(grader, "tensor_creation", reference_with(SYSV_QUEUE.format(flags="0")))
        assert reader.output.startswith("queue: none"), "a second student found the first one's queue"
    finally:  # without an IPC namespace the queue outlives the test: remove it from the host
        queue = libc.msgget(0x67726472, 0)
        if queue >= 0:
            libc.msgctl(queue, 0, None)  # IPC_RMID


def test_a_fork_server_that_cannot_start_is_one_clear_error_at_first_use():
    from grader.engine.forkclient import ForkServer
    from grader.errors import GraderError

    server = ForkServer(prelude="sys.exit(3)")  # returns at once: the server starts while the grader imports
    with pytest.raises(GraderError, match="fork server did not start"):
        server.connect()
    server.close()
    assert server.proc is not None and server.proc.returncode == 3


# Runs in a fresh process: maps 64 MiB of private anonymous memory, then either asks the
# kernel directly to collapse it ("raw") or calls use_huge_pages ("ours"); prints the
# mapping's VmFlags, its AnonHugePages in MiB, and the raw call's error ("-" if none), as JSON.
HUGE_PAGE_PROBE = """
import ctypes, json, mmap, os, sys
from grader.sandbox.forkserver import MADV_COLLAPSE, use_huge_pages
m = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
m.write(b"x" * (64 << 20))
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
error = "-"
if sys.argv[1] == "raw":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    start = (addr + (2 << 20) - 1) & ~((2 << 20) - 1)
    if libc.madvise(start, 60 << 20, MADV_COLLAPSE) != 0:
        error = os.strerror(ctypes.get_errno())
else:
    use_huge_pages()
middle = addr + (32 << 20)  # inside the 2 MiB-aligned part, wherever the kernel put the mapping
smaps, flags, huge = open("/proc/self/smaps").read().splitlines(), "", 0
for i, line in enumerate(smaps):
    start, _, end = line.split()[0].partition("-")
    if end and int(start, 16) <= middle < int(end, 16):  # a mapping's header line, not a field
        for field in smaps[i + 1:]:
            if field.startswith("AnonHugePages:"):
                huge = int(field.split()[1]) >> 10
            if field.startswith("VmFlags:"):
                flags = ",".join(field.split()[1:])
                break
print(json.dumps([flags, huge, error]))
"""


def huge_page_probe(mode: str) -> tuple[set[str], int, str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", HUGE_PAGE_PROBE, mode], capture_output=True,
                         text=True, check=True).stdout
    flags, huge, error = json.loads(out)
    return set(flags.split(",")), huge, error


def test_the_fork_server_advises_huge_pages_for_its_anonymous_memory():
    if not Path("/sys/kernel/mm/transparent_hugepage").is_dir():
        pytest.skip("this kernel has no transparent huge pages")
    flags, _, _ = huge_page_probe("ours")
    assert "hg" in flags, f"MADV_HUGEPAGE not applied to a 64 MiB anonymous mapping: {flags}"


def test_the_fork_server_memory_is_collapsed_into_huge_pages_where_the_kernel_can():
    # Whether the kernel collapses at all depends on the machine (Linux >= 6.1, THP not
    # disabled for this process tree, free 2 MiB blocks): asked directly first, and the
    # test says why it cannot run where the kernel refuses.
    _, raw_huge, refused = huge_page_probe("raw")
    if refused != "-" or raw_huge < 60:
        pytest.skip(f"the kernel does not collapse memory here (MADV_COLLAPSE: {refused}, "
                    f"{raw_huge} MiB collapsed)")
    _, huge, _ = huge_page_probe("ours")
    assert huge >= 60, f"use_huge_pages left a 64 MiB mapping with {huge} MiB in huge pages"


def test_a_second_course_in_the_same_process_runs_its_own_checks(grader, tmp_path):
    """pytest's importlib mode reuses a module already imported under the same name
    (assignments.tensor_creation.checks_public): another course's checks must not."""
    import shutil

    from grader.course.catalogue import load_course
    from grader.engine.grading import Grader

    root = Path(__file__).resolve().parent.parent
    other = tmp_path / "course"
    shutil.copytree(root / "assignments" / "tensor_creation", other / "assignments" / "tensor_creation")
    (other / "reference").mkdir()
    shutil.copy(root / "reference" / "tensor_creation.py", other / "reference")
    checks = other / "assignments" / "tensor_creation" / "checks_public.py"
    checks.write_text(checks.read_text() + '\n\n@points(0)\ndef test_only_in_the_other_course(student, expected):\n'
                      '    """a check only the other course has"""\n')
    reference = (root / "reference" / "tensor_creation.py").read_text()
    first = grade_source(grader, "tensor_creation", reference)  # this course's checks, imported first
    with Grader(load_course(other), grader.server) as g:
        second = grade_source(g, "tensor_creation", reference)
    assert "only_in_the_other_course" not in {c.check_id for c in first.checks}
    assert "only_in_the_other_course" in {c.check_id for c in second.checks}


def test_a_fork_that_fails_is_one_checks_error_and_the_server_goes_on():
    """fork() failing (EAGAIN, e.g. a fork bomb at RLIMIT_NPROC) used to kill the fork
    server: every later student was an error."""
    import errno
    import socket

    from grader.course.catalogue import Limits
    from grader.engine.workers import ServerChannel, WorkerFailure, WorkerSpec
    from grader.sandbox import forkserver

    tries = []

    def failing(spec):
        tries.append(spec)
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    server_end, grader_end = socket.socketpair()
    forkserver.answer(server_end, {}, start=failing)  # returns: the server loop goes on
    assert len(tries) == forkserver.FORK_TRIES
    channel = ServerChannel.__new__(ServerChannel)
    channel.sock = grader_end
    spec = WorkerSpec(module="m", source="/nonexistent/m.py", scratch="/nonexistent", probes=None, limits=Limits())
    with pytest.raises(WorkerFailure) as info:
        channel.spawn(spec)  # reads the answer already waiting: no descriptors
    assert info.value.kind == "sandbox" and "could not start a sandbox" in info.value.message
    server_end.close()
    grader_end.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the server forks workers itself only as root")
def test_as_root_the_server_forks_each_worker_itself_into_a_pid_namespace_of_its_own(tmp_path):
    """One fork per worker, not a supervisor's and then a worker's (issue 20): the fork server
    is each worker's parent, each worker is PID 1 of a namespace of its own, the server itself
    stays where it was, and it reports each worker's end (a kill, here) as its parent."""
    import re
    import signal

    from grader.engine.forkclient import ForkServer

    spec = _one_worker_spec(tmp_path, "import os\n\n\ndef pid():\n    return os.getpid()\n")

    def parent(pid):
        return int(re.search(r"^PPid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))

    with ForkServer() as server:
        channel = server.connect()
        workers = [channel.spawn(spec) for _ in range(2)]
        try:
            for w in workers:
                w.wait_ready()
            server_pid = server.proc.pid
            assert [parent(w.pid) for w in workers] == [server_pid, server_pid]
            assert [w.call("pid", (), {}, 10) for w in workers] == [1, 1]
            spaces = {os.readlink(f"/proc/{w.pid}/ns/pid") for w in workers}
            own = os.readlink(f"/proc/{server_pid}/ns/pid")
            assert len(spaces) == 2 and own not in spaces
            assert os.readlink(f"/proc/{server_pid}/ns/pid_for_children") == own
            workers[0].kill()  # waits to hear how it ended
            ended = workers[0]._exit_status()
            assert ended is not None and ended.returncode == -signal.SIGKILL
        finally:
            for w in workers:
                w.close()
            channel.close()


def _one_worker_spec(tmp_path, source):
    from grader.course.catalogue import Limits
    from grader.wire.spec import WorkerSpec

    os.chmod(tmp_path, 0o755)
    (tmp_path / "m.py").write_text(source)
    os.chmod(tmp_path / "m.py", 0o644)
    return WorkerSpec(module="m", source=str(tmp_path / "m.py"), scratch=str(tmp_path), probes=None, limits=Limits())


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the server forks workers itself only as root")
def test_a_workers_pid_is_held_until_its_cgroups_are_gone(tmp_path):
    """The server reaps a worker only after it removed its cgroups (named after its pid): a
    pid freed earlier could go to another server's worker, which would join these cgroups
    and inherit their counts (a false "ran out of memory"). Removal is slowed down here."""
    import signal
    import time

    from grader.engine.forkclient import ForkServer

    slow = ("import grader.sandbox.isolation as i, time; r = i.Cgroups.remove; "
            "i.Cgroups.remove = lambda self: (time.sleep(1.0), r(self))[1]")
    with ForkServer(prelude=slow) as server:
        channel = server.connect()
        worker = channel.spawn(_one_worker_spec(tmp_path, "x = 1\n"))
        try:
            worker.wait_ready()
            os.kill(worker.pid, signal.SIGKILL)
            time.sleep(0.4)  # the server is removing the cgroups now
            status = Path(f"/proc/{worker.pid}/status").read_text()  # OSError: the pid was let go
            assert "State:\tZ" in status
        finally:
            worker.close()
            channel.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the server forks workers itself only as root")
def test_a_worker_takes_its_uid_from_its_pid_as_the_server_sees_it(tmp_path):
    """A grader in a PID namespace of its own with the host's /proc (`unshare --pid --fork`):
    the worker's uid and cgroups are named after the pid the server knows it by."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) here")
    spec = _one_worker_spec(tmp_path, "import os\n\n\ndef uid():\n    return os.getuid()\n")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.engine.forkclient import ForkServer; "
              "from grader.wire.spec import WorkerSpec, worker_uid\n"
              "with ForkServer() as s:\n    c = s.connect(); w = c.spawn(WorkerSpec.from_json(sys.argv[2].encode()))\n"
              "    w.wait_ready(); print(w.call('uid', (), {}, 10) == worker_uid(w.pid), w.pid); w.close(); c.close()\n")
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run(["unshare", "--pid", "--fork", sys.executable, "-c", script, root, spec.to_json().decode()],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split()[:1] == ["True"], out.stdout + out.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or
                    not Path("/sys/fs/cgroup/memory/memory.max_usage_in_bytes").exists(),
                    reason="memory cgroup v1, as root")
def test_a_cgroup_left_by_a_killed_server_is_made_afresh(tmp_path):
    """A server killed with workers alive leaves their cgroups; a later worker given the same
    pid must not inherit their counts (a false out-of-memory report)."""
    import subprocess
    import sys

    from grader.sandbox.isolation import Cgroups

    name = "w-test-stale-" + str(os.getpid())
    stale = Path("/sys/fs/cgroup/memory/grader") / name
    stale.mkdir(parents=True)
    try:
        subprocess.run([sys.executable, "-c", f"open('{stale}/cgroup.procs', 'w').write('0'); b = b'x' * 2**25"],
                       check=True)
        assert int((stale / "memory.max_usage_in_bytes").read_text()) >= 2**25
        fresh = Cgroups(name, 2**30, 32)
        assert int((fresh.dirs["memory"] / "memory.max_usage_in_bytes").read_text()) == 0
    finally:
        for path in (stale, Path("/sys/fs/cgroup/pids/grader") / name):
            if path.is_dir():
                path.rmdir()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not Path("/proc/sys/kernel/ns_last_pid").exists(),
                    reason="as root, with ns_last_pid to hand a pid out again")
def test_killing_a_worker_that_ended_never_kills_the_process_given_its_pid(tmp_path):
    """A worker that exits by itself is reaped by the server at once; its pid may go to another
    process (another student's worker) before the grader's kill arrives. The kill goes through
    a pidfd of the worker, not its number (here the pid is handed out again on purpose)."""
    import subprocess
    import time

    from grader.engine.forkclient import ForkServer

    with ForkServer() as server:
        channel = server.connect()
        leaves = "import os, threading\n\n\ndef leave():\n    threading.Timer(0.1, os._exit, (0,)).start()\n    return 1\n"
        worker = channel.spawn(_one_worker_spec(tmp_path, leaves))
        other = None
        try:
            worker.wait_ready()
            pid = worker.pid
            assert worker.call("leave", (), {}, 10) == 1  # answers, then exits by itself
            for _ in range(500):  # until the server reaped it
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.01)
            for _ in range(20):  # the next pid handed out is the worker's old one
                Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
                other = subprocess.Popen(["sleep", "30"])
                if other.pid == pid:
                    break
                other.kill()
                other.wait()
            else:
                pytest.skip("could not hand the pid out again (a busy machine)")
            worker.close()  # kills the worker: it must not reach `other`
            time.sleep(0.2)
            assert other.poll() is None, "the grader's kill reached a process that reused the worker's pid"
        finally:
            worker.close()
            channel.close()
            if other is not None:
                other.kill()
                other.wait()


FLOOD = '''\
import os, socket, stat, struct


def f(x):
    return x


def flood():
    """Write answers of its own for ever and read no call."""
    from grader.wire import transport

    def is_socket(fd):
        try:
            return stat.S_ISSOCK(os.fstat(fd).st_mode)
        except OSError:
            return False

    sock = socket.socket(fileno=os.dup(next(fd for fd in range(3, 64) if is_socket(fd))))
    forged = transport.encode({"ok": 0})
    while True:
        sock.sendall(struct.pack("!Q", len(forged)) + forged)
'''


def test_a_worker_that_stops_reading_its_calls_cannot_block_the_grader(server, tmp_path):
    """It answers calls it has not read, so the grader keeps sending until the socket's
    buffer is full: that send now times out with the call instead of blocking for ever."""
    import threading

    import torch

    from grader.engine.workers import FailureKind, WorkerFailure

    channel = server.connect()
    worker = channel.spawn(_one_worker_spec(tmp_path, FLOOD))
    worker.wait_ready()
    outcome: list = []

    def calls() -> None:
        try:
            worker.call("flood", (), {}, 2.0)
            for _ in range(200):
                worker.call("f", (torch.zeros(2**18),), {}, 2.0)  # 1 MiB a call
            outcome.append("never stopped")
        except WorkerFailure as failure:
            outcome.append(failure)

    thread = threading.Thread(target=calls, daemon=True)
    thread.start()
    thread.join(60)
    try:
        assert not thread.is_alive(), "the grader blocked sending to a worker that reads nothing"
        assert isinstance(outcome[0], WorkerFailure) and outcome[0].kind is FailureKind.TIMEOUT
        assert "stopped reading" in outcome[0].message and not worker.alive
    finally:
        worker.close()
        channel.close()


def test_a_failing_warm_up_costs_only_time(monkeypatch):
    """warm_up_calls runs in every worker before the student's import: if this torch cannot
    do what it tries (a build without NumPy), the worker must still grade."""
    import torch

    from grader.sandbox import worker

    def broken(*args, **kwargs):
        raise RuntimeError("Numpy is not available")

    monkeypatch.setattr(torch, "from_numpy", broken)
    worker.warm_up_calls()  # no exception
