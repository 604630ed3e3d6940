"""The seccomp filter: calls a student never needs are refused with an errno, the rest keep working."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers import ROOT, grade_source

from grader.sandbox import seccomp

ARCH = seccomp.ARCHES.get(os.uname().machine)
needs_filter = pytest.mark.skipif(ARCH is None, reason=f"no seccomp filter for {os.uname().machine}")

# Runs in a fresh process (as root here): installs the filter, then makes each call with
# arguments that, unfiltered, fail harmlessly (ENOENT, EBADF, ...) or do no harm. Prints
# each outcome: "ok" or the errno's name.
TRY = r"""
import ctypes, errno, json, os, socket, subprocess, sys, threading
from grader.sandbox import seccomp
missing = seccomp.install() if sys.argv[1] == "filtered" else []
n = seccomp.ARCHES[os.uname().machine].numbers
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
L, NOWHERE, AT_FDCWD = ctypes.c_long, b"/nonexistent-grader-seccomp", -100

def outcome(r):
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))

def call(nr, *args):
    return outcome(libc.syscall(L(nr), *[L(a) if isinstance(a, int) else a for a in args]))

def clone(flags):
    pid = libc.syscall(L(n["clone"]), L(flags | 17), L(0), L(0), L(0), L(0))  # 17: SIGCHLD
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return outcome(pid)

def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return "ok"

def thread():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    return "ok"

pair = (ctypes.c_int * 2)()
got = {
    "missing": missing,
    "ptrace": call(n["ptrace"], 16, 0x3ffffff0, 0, 0),
    "process_vm_readv": call(n["process_vm_readv"], 0x3ffffff0, None, 0, None, 0, 0),
    "process_vm_writev": call(n["process_vm_writev"], 0x3ffffff0, None, 0, None, 0, 0),
    "kcmp": call(n["kcmp"], os.getpid(), os.getpid(), 0, 0, 0),
    "mount": call(n["mount"], None, NOWHERE, None, 0, None),
    "umount2": call(n["umount2"], NOWHERE, 0),
    "pivot_root": call(n["pivot_root"], NOWHERE, NOWHERE),
    "move_mount": call(n["move_mount"], AT_FDCWD, NOWHERE, AT_FDCWD, NOWHERE, 0),
    "open_tree": call(n["open_tree"], AT_FDCWD, NOWHERE, 0),
    "open_tree_attr": call(n["open_tree_attr"], AT_FDCWD, NOWHERE, 0, None, 0),
    "fsopen": call(n["fsopen"], b"nonexistentfs", 0),
    "fsconfig": call(n["fsconfig"], -1, 0, None, None, 0),
    "fsmount": call(n["fsmount"], -1, 0, 0),
    "fspick": call(n["fspick"], AT_FDCWD, NOWHERE, 0),
    "mount_setattr": call(n["mount_setattr"], AT_FDCWD, NOWHERE, 0, None, 0),
    "open_by_handle_at": call(n["open_by_handle_at"], -1, None, 0),
    "name_to_handle_at": call(n["name_to_handle_at"], AT_FDCWD, NOWHERE, None, None, 0),
    "setns": call(n["setns"], -1, 0),
    "unshare": call(n["unshare"], 0),
    "clone with CLONE_NEWUSER": clone(0x10000000),
    "clone with CLONE_NEWNET": clone(0x40000000),
    "clone3": call(n["clone3"], None, 0),
    "add_key": call(n["add_key"], b"user", b"grader-seccomp-test", b"x", 1, -2),  # -2: this process's keyring
    "keyctl": call(n["keyctl"], 0, -3, 0),
    "request_key": call(n["request_key"], b"user", b"grader-seccomp-none", None, 0),
    "io_uring_setup": call(n["io_uring_setup"], 0, None),
    "io_uring_enter": call(n["io_uring_enter"], -1, 0, 0, 0, None, 0),
    "io_uring_register": call(n["io_uring_register"], -1, 0, None, 0),
    "bpf": call(n["bpf"], 9999, None, 0),
    "perf_event_open": call(n["perf_event_open"], None, 0, -1, -1, 0),
    "userfaultfd": call(n["userfaultfd"], 0o2000000),  # O_CLOEXEC
    "kexec_load": call(n["kexec_load"], 0, 0, None, 0xFFFF0000),
    "kexec_file_load": call(n["kexec_file_load"], -1, -1, 0, None, 0xFFFF0000),
    "init_module": call(n["init_module"], None, 0, b""),
    "finit_module": call(n["finit_module"], -1, b"", 0),
    "delete_module": call(n["delete_module"], b"grader_nonexistent", 0o4000),
    "reboot": call(n["reboot"], 0, 0, 0, None),  # wrong magic numbers: EINVAL unfiltered
    "swapon": call(n["swapon"], NOWHERE, 0),
    "swapoff": call(n["swapoff"], NOWHERE),
    "acct": call(n["acct"], NOWHERE),
    "syslog": call(n["syslog"], 10, None, 0),  # 10: the size of the kernel's log buffer
    "socket(AF_VSOCK)": call(n["socket"], 40, 1, 0),
    "socket(AF_VSOCK) with high bits set": call(n["socket"], (1 << 32) | 40, 1, 0),
    "socketpair(AF_VSOCK)": call(n["socketpair"], 40, 1, 0, pair),
    "socket(AF_PACKET)": call(n["socket"], 17, 3, 0),  # SOCK_RAW
    "socket(AF_ALG)": call(n["socket"], 38, 5, 0),  # SOCK_SEQPACKET
    "pidfd_getfd": call(n["pidfd_getfd"], -1, 0, 0),
    "process_madvise": call(n["process_madvise"], -1, None, 0, 0, 0),
    "ioctl(FS_IOC_ADD_ENCRYPTION_KEY)": call(n["ioctl"], os.open("/", os.O_RDONLY), 0xC0506617, bytes(80)),
    "ioctl(FS_IOC_GET_ENCRYPTION_KEY_STATUS) with high bits set":
        call(n["ioctl"], os.open("/", os.O_RDONLY), (1 << 32) | 0xC080661A, bytes(128)),
    "x32 getpid": call(0x40000000 | 39) if os.uname().machine == "x86_64" else "EPERM",
    # What a student needs keeps working.
    "socket(AF_INET)": call(n["socket"], 2, 1, 0),
    "socket(AF_INET6)": call(n["socket"], 10, 1, 0),
    "socket(AF_NETLINK)": call(n["socket"], 16, 3, 0),  # SOCK_RAW, NETLINK_ROUTE
    "socketpair(AF_UNIX)": call(n["socketpair"], 1, 1, 0, pair),
    "ioctl(FIONREAD) on a socket": call(n["ioctl"], pair[0], 0x541B, ctypes.byref(ctypes.c_int())),
    "plain clone (fork)": clone(0),
    "fork": fork(),
    "subprocess": "ok" if subprocess.run(["true"]).returncode == 0 else "failed",  # posix_spawn: clone3, then clone
    "thread": thread(),
}
print(json.dumps(got))
"""
REFUSED = [*seccomp.DENIED, "clone with CLONE_NEWUSER", "clone with CLONE_NEWNET", "socket(AF_VSOCK)",
           "socket(AF_VSOCK) with high bits set", "socketpair(AF_VSOCK)", "socket(AF_PACKET)", "socket(AF_ALG)", "ioctl(FS_IOC_ADD_ENCRYPTION_KEY)",
           "ioctl(FS_IOC_GET_ENCRYPTION_KEY_STATUS) with high bits set", "x32 getpid"]
ALLOWED = ["socket(AF_INET)", "socket(AF_INET6)", "socket(AF_NETLINK)", "socketpair(AF_UNIX)", "ioctl(FIONREAD) on a socket", "plain clone (fork)", "fork",
           "subprocess", "thread"]


def attempts(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", TRY, mode], capture_output=True, text=True, cwd=ROOT,
                         timeout=60, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def filtered() -> dict:
    return attempts("filtered")


@pytest.fixture(scope="module")
def unfiltered() -> dict:
    return attempts("unfiltered")


@needs_filter
def test_the_filter_installs(filtered):
    assert filtered["missing"] == []


@needs_filter
@pytest.mark.parametrize("call", REFUSED)
def test_refused_with_eperm(filtered, call):
    assert filtered[call] == "EPERM"


@needs_filter
@pytest.mark.parametrize("call", REFUSED)
def test_each_refusal_is_the_filters_doing(filtered, unfiltered, call):
    """The same call in a process without the filter gets another answer."""
    if unfiltered[call] == "EPERM":  # a container's own seccomp profile, say
        pytest.skip(f"{call} is refused here even without our filter")
    assert filtered[call] != unfiltered[call]


@needs_filter
def test_clone3_is_enosys_so_libc_falls_back_to_clone(filtered):
    assert filtered["clone3"] == "ENOSYS"


@needs_filter
@pytest.mark.parametrize("call", ALLOWED)
def test_what_students_need_still_works(filtered, call):
    assert filtered[call] == "ok"


def test_unsupported_architecture_is_reported_missing(monkeypatch):
    monkeypatch.setattr(seccomp, "_machine", lambda: "riscv64")
    assert seccomp.install() == ["seccomp filter (none for riscv64)"]


def test_worker_without_a_filter_says_so_and_grading_goes_on(course, grader):
    from grader.engine.forkclient import ForkServer
    from grader.engine.grading import Grader

    # An architecture we have no filter for, played by a fork server whose seccomp says so.
    with ForkServer(prelude="import grader.sandbox.seccomp as s; s._machine = lambda: 'riscv64'") as other_arch, \
            Grader(course, other_arch, expected_values=grader.expected_values) as g:
        result = grade_source(g, "tensor_creation", (ROOT / "reference" / "tensor_creation.py").read_bytes())
    assert result.score == 10
    assert "sandbox layers not available here: seccomp filter (none for riscv64)" in result.notes


HEADERS = {"x86_64": (Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), Path("/usr/include/asm/unistd_64.h")),
           "aarch64": (Path("/usr/include/asm-generic/unistd.h"),)}


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHES))
def test_numbers_match_the_kernel_headers(machine):
    assert seccomp.assemble(seccomp.program(seccomp.ARCHES[machine]))  # every call has a number here
    header = next((p for p in HEADERS[machine] if p.is_file()), None)
    if header is None:
        pytest.skip(f"no kernel headers for {machine} here")
    numbers = {m[1]: int(m[2]) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", header.read_text())}
    ours = seccomp.ARCHES[machine].numbers
    known = {name for name in ours if name in numbers}  # older headers lack the newest calls
    assert len(known) >= len(ours) - 2
    assert {name: ours[name] for name in known} == {name: numbers[name] for name in known}


# In a real worker, graded like a student: the reference plus attempts on the channels.
ATTEMPTS = r"""

import ctypes as _c, errno as _e, json as _j, os as _os, signal as _s, socket as _so, threading as _t
_libc = _c.CDLL(None, use_errno=True)
_libc.syscall.restype = _c.c_long
_ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(_os.uname().machine, -1)

def _outcome(r):
    return "ok" if r >= 0 else _e.errorcode.get(_c.get_errno(), str(_c.get_errno()))

def _vsock():
    try:
        _so.socket(40, _so.SOCK_STREAM).bind((0xFFFFFFFF, 4242))
        return "ok"
    except OSError as exc:
        return _e.errorcode.get(exc.errno, str(exc.errno))

def _ptrace_own_child():
    _libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: a change of uid left the worker undumpable, untraceable
    child = _os.fork()
    if child == 0:
        _os.pause()
        _os._exit(0)
    got = _outcome(_libc.ptrace(16, child, None, None))  # PTRACE_ATTACH
    _os.kill(child, _s.SIGKILL)
    _os.waitpid(child, 0)
    return got

def _thread():
    t = _t.Thread(target=lambda: None)
    t.start()
    t.join()
    return "ok"

def _attempt(how):  # one attempt that raises must not hide the others' outcomes
    try:
        return how()
    except Exception as exc:
        return f"raised {type(exc).__name__}: {exc}"

print("SECCOMP", _j.dumps({
    "add_key": _attempt(lambda: _outcome(_libc.syscall(_c.c_long(_ADD_KEY), b"user", b"TOKEN", b"for the next student",
                                                       _c.c_long(20), _c.c_long(-4)))),  # -4: the user's keyring
    "vsock": _attempt(_vsock),
    "new user namespace": _attempt(lambda: _outcome(_libc.unshare(0x10000000))),
    "ptrace": _attempt(_ptrace_own_child),
    "thread": _attempt(_thread),
}), flush=True)
"""


@pytest.fixture(scope="module")
def in_worker(grader) -> tuple:
    token = f"grader-seccomp-{uuid.uuid4().hex}"
    source = (ROOT / "reference" / "tensor_creation.py").read_text() + ATTEMPTS.replace("TOKEN", token)
    result = grade_source(grader, "tensor_creation", source)
    line = next((line for line in result.output.splitlines() if line.startswith("SECCOMP ")), None)
    if line is None:  # say what the worker did instead
        pytest.fail(f"no SECCOMP line; error={result.error!r} notes={result.notes!r} "
                    f"checks={[(c.check_id, c.status.value, c.message) for c in result.checks]} "
                    f"output={result.output[-1500:]!r}")
    return result, json.loads(line.split(" ", 1)[1]), token


@needs_filter
def test_worker_cannot_make_a_key_and_none_is_left_on_the_host(in_worker):
    result, got, token = in_worker
    assert got["add_key"] == "EPERM"
    assert token not in Path("/proc/keys").read_text()


@needs_filter
def test_worker_cannot_open_a_vsock_socket(in_worker):
    assert in_worker[1]["vsock"] == "EPERM"


@needs_filter
def test_worker_cannot_make_a_user_namespace(in_worker):
    assert in_worker[1]["new user namespace"] == "EPERM"


@needs_filter
def test_worker_cannot_trace_even_its_own_child(in_worker):
    assert in_worker[1]["ptrace"] == "EPERM"


def test_worker_still_starts_threads_and_scores_full(in_worker):
    result, got, _ = in_worker
    assert got["thread"] == "ok"
    assert result.score == 10


@needs_filter
def test_worker_report_names_no_missing_seccomp_layer(in_worker):
    assert not any("seccomp" in note for note in in_worker[0].notes)


@pytest.mark.parametrize("aid", ["tensor_creation", "xor"])
def test_reference_still_scores_full(grader, aid):
    result = grade_source(grader, aid, (ROOT / "reference" / f"{aid}.py").read_bytes())
    assert result.score == result.max_score == 10, [c.message for c in result.checks]
