"""A seccomp-BPF filter: the kernel refuses, in every worker, the system calls a student never needs.

Some channels are outside every namespace and outside Landlock: kernel keyrings above
all (THREATS 64), which let one worker leave a key that a later worker of another
student reads, and which stay on the host after the batch. The worker installs this
filter last, after dropping privileges (no_new_privs is already set) and before any
student code runs; it holds for everything the worker starts, threads included. With
it a worker can make no key at all (add_key, keyctl, request_key and fscrypt's key
ioctls are refused), so none can outlive it; without it the report names the layer.

Implementation: a small BPF program of our own, loaded with seccomp(2) through ctypes,
for x86_64 and aarch64 (with an architecture check). No new dependency: Debian's
libseccomp binding exists only for the system Python, never a venv, and the PyPI
bindings need libseccomp's C library installed or built. Other architectures get no filter and the layer is reported
missing.

A deny list, not an allowlist: torch needs many calls (threads through clone, mmap,
futex, ...) and a missing one would fail honest work. A refused call fails with EPERM,
a readable PermissionError, never a kill. clone3 fails with ENOSYS instead: its flags
are in memory the filter cannot read, and glibc then falls back to clone, whose flags
it can.
"""
from __future__ import annotations

import ctypes
import errno
import os
import struct
from typing import NamedTuple

from grader.sandbox.libc import LINUX, libc

# Refused outright, in THREATS order; each group names the case it answers.
DENIED = (
    # 20, 21: reading or writing another process's memory (the grader's, another worker's).
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    # 25, 32: undoing or going around the mounts that hide the course and other students
    # (file handles open any file of a mounted filesystem by number, past every hidden path).
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "open_tree_attr", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "open_by_handle_at", "name_to_handle_at",
    # 25, 28: a new user namespace is root inside it, with new mount and network namespaces
    # to build; joining another's escapes ours. clone's CLONE_NEW* flags are checked below.
    "setns", "unshare",
    # 29, 64: kernel keyrings live outside every namespace and outlive the worker: a channel
    # between students, left on the host. With these refused, a worker can make no key.
    "add_key", "keyctl", "request_key",
    # 64: other calls a student never needs. io_uring's operations are not seen by seccomp
    # (it would go around this filter); bpf, perf_event_open and userfaultfd are kernel
    # attack surface; the rest act on the host itself, and syslog reads its kernel log.
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "syslog",
    # 20, 21: taking another process's descriptor, or advising on its memory.
    "pidfd_getfd", "process_madvise",
)
# 28, 38, 64: the only socket families a worker may make: AF_UNIX, AF_INET, AF_INET6 (no
# route out of its network namespace) and AF_NETLINK (libc asks it about interfaces).
# Every other family is refused: vsock reaches the host and other guests outside the
# network namespace (40), and packet, crypto, TIPC, RDS, ... are kernel attack surface.
SOCKET_FAMILIES = (1, 2, 10, 16)
# Refused only for some values of one argument: call -> (argument, refused values).
ARGUMENT_RULES = {
    # 29, 64: fscrypt keys belong to a whole filesystem, not to the worker: adding one, or
    # asking after another's, is a keyring channel by ioctl (add, remove, remove all, status).
    "ioctl": (1, (0xC0506617, 0xC0406618, 0xC0406619, 0xC080661A)),
}
# 25, 28: clone with any CLONE_NEW* flag (NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).
CLONE_NEW_FLAGS = 0x7E020000
X32_SYSCALL_BIT = 0x40000000  # x86_64's x32 calls: the same calls under other numbers

_COMMON = {"move_mount": 429, "open_tree": 428, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
           "mount_setattr": 442, "open_tree_attr": 467, "io_uring_setup": 425, "io_uring_enter": 426,
           "io_uring_register": 427, "clone3": 435, "pidfd_getfd": 438, "process_madvise": 440}


class Arch(NamedTuple):
    """One architecture's seccomp facts: its audit number and the syscall numbers the filter names."""
    audit: int  # AUDIT_ARCH_*: what seccomp_data.arch says for this ABI
    numbers: dict[str, int]
    seccomp_nr: int
    x32: bool


ARCHES = {
    "x86_64": Arch(0xC000003E, _COMMON | {
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "mount": 165,
        "umount2": 166, "pivot_root": 155, "open_by_handle_at": 304, "name_to_handle_at": 303, "setns": 308,
        "unshare": 272, "add_key": 248, "request_key": 249, "keyctl": 250, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "syslog": 103,
        "socket": 41, "socketpair": 53, "clone": 56, "ioctl": 16}, seccomp_nr=317, x32=True),
    "aarch64": Arch(0xC00000B7, _COMMON | {
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "mount": 40,
        "umount2": 39, "pivot_root": 41, "open_by_handle_at": 265, "name_to_handle_at": 264, "setns": 268,
        "unshare": 97, "add_key": 217, "request_key": 218, "keyctl": 219, "bpf": 280, "perf_event_open": 241,
        "userfaultfd": 282, "kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89, "syslog": 116,
        "socket": 198, "socketpair": 199, "clone": 220, "ioctl": 29}, seccomp_nr=277, x32=False),
}

# Classic BPF (linux/filter.h, linux/seccomp.h).
_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data
ALLOW, ERRNO = 0x7FFF0000, 0x00050000
_SET_MODE_FILTER, _FLAG_TSYNC, _PR_SET_NO_NEW_PRIVS = 1, 1, 38



def program(arch: Arch) -> list[tuple]:
    """The filter as (code, k, true-label, false-label) and ("label", name) items."""
    deny, n = "deny", arch.numbers
    code: list[tuple] = [(_LD_ABS, _ARCH), (_JEQ, arch.audit, None, deny), (_LD_ABS, _NR)]
    if arch.x32:
        code.append((_JGE, X32_SYSCALL_BIT, deny, None))
    code += [(_JEQ, n[name], deny, None) for name in DENIED]
    code += [(_JEQ, n["clone3"], "enosys", None), (_JEQ, n["clone"], "clone", None)]
    code += [(_JEQ, n[name], name, None) for name in ARGUMENT_RULES]
    code += [(_JEQ, n["socket"], "socket", None), (_JEQ, n["socketpair"], "socket", None)]
    code += [(_RET, ALLOW), ("label", "clone"), (_LD_ABS, _arg(0)), (_JSET, CLONE_NEW_FLAGS, deny, None),
             (_RET, ALLOW)]
    code += [("label", "socket"), (_LD_ABS, _arg(0))]
    code += [(_JEQ, family, "allow", None) for family in SOCKET_FAMILIES] + [(_RET, ERRNO | errno.EPERM)]
    code += [("label", "allow"), (_RET, ALLOW)]
    for name, (arg, refused) in ARGUMENT_RULES.items():
        code += [("label", name), (_LD_ABS, _arg(arg))]
        code += [(_JEQ, value, deny, None) for value in refused] + [(_RET, ALLOW)]
    return code + [("label", deny), (_RET, ERRNO | errno.EPERM), ("label", "enosys"), (_RET, ERRNO | errno.ENOSYS)]


def _arg(i: int) -> int:
    """Offset of argument i's low 32 bits (little-endian): the kernel reads these arguments
    as 32-bit, so the high half must not matter to the filter either."""
    return 16 + 8 * i


def assemble(code: list[tuple]) -> bytes:
    """struct sock_filter[]: labels become forward jump offsets (None: the next instruction)."""
    at, pc = {}, 0
    for item in code:
        if item[0] == "label":
            at[item[1]] = pc
        else:
            pc += 1
    out, pc = [], 0
    for item in code:
        if item[0] == "label":
            continue
        op, k, *targets = item
        jt, jf = (at[t] - pc - 1 if t else 0 for t in (targets or [None, None]))
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError("BPF jumps go forward, at most 255 instructions")
        out.append(struct.pack("=HBBI", op, jt, jf, k))
        pc += 1
    return b"".join(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _machine() -> str:
    """This process's architecture; a 32-bit Python on a 64-bit kernel has none of ours."""
    machine = os.uname().machine
    return machine if struct.calcsize("P") == 8 else f"{machine} (32-bit Python)"


def install() -> list[str]:
    """Filter this process and all its threads; return what could not be applied, as report text."""
    if not LINUX:
        return ["seccomp filter (Linux only)"]
    machine = _machine()
    arch = ARCHES.get(machine)
    if arch is None:
        return [f"seccomp filter (none for {machine})"]
    blob = assemble(program(arch))
    buffer = ctypes.create_string_buffer(blob, len(blob))
    prog = _SockFprog(len(blob) // 8, ctypes.addressof(buffer))
    # Only processes that cannot gain privileges may filter themselves (already set in the worker).
    if libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return [f"seccomp filter ({os.strerror(ctypes.get_errno())})"]
    # TSYNC: every thread of the process, or none (a positive answer names the thread that could not be).
    done = libc().syscall(ctypes.c_long(arch.seccomp_nr), _SET_MODE_FILTER, _FLAG_TSYNC, ctypes.byref(prog))
    if done != 0:
        return [f"seccomp filter ({os.strerror(ctypes.get_errno()) if done < 0 else f'thread {done} not filtered'})"]
    return []
