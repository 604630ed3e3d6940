"""Run a command with user namespaces refused: `python no_userns.py COMMAND [ARG ...]`.

Turning user namespaces off is a sysctl for the whole machine (user.max_user_namespaces,
kernel.unprivileged_userns_clone), which a test must not touch. A seccomp filter does it
for one process tree instead: unshare and clone fail with EPERM when asked for
CLONE_NEWUSER, as on a kernel that refuses them, and clone3 (whose flags seccomp cannot
read) fails with ENOSYS, so that libc falls back to clone. Filters are inherited across
fork and exec, and need no privilege once no_new_privs is set. tests/test_ordinary_user.py
runs the grader under it; x86_64 and aarch64 only (grader.sandbox.seccomp's tables).
"""
from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable

from grader.sandbox import seccomp

CLONE_NEWUSER = 0x10000000
LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06  # classic BPF (linux/filter.h)


def program(arch: seccomp.Arch) -> list[tuple]:
    """Refuse new user namespaces; allow everything else (another architecture passes untouched)."""
    n = arch.numbers
    return [(LD, 4), (JEQ, arch.audit, None, "allow"), (LD, 0),
            (JEQ, n["clone3"], "enosys", None), (JEQ, n["unshare"], "flags", None), (JEQ, n["clone"], "flags", None),
            ("label", "allow"), (RET, seccomp.ALLOW),
            ("label", "flags"), (LD, 16), (JSET, CLONE_NEWUSER, "deny", None), (RET, seccomp.ALLOW),
            ("label", "deny"), (RET, seccomp.ERRNO | errno.EPERM),
            ("label", "enosys"), (RET, seccomp.ERRNO | errno.ENOSYS)]


def refuse_user_namespaces() -> None:
    """Install the filter on this process (and so on all it starts), or exit saying why not."""
    install(program)


def install(make_program: Callable[[seccomp.Arch], list[tuple]]) -> None:
    """Install the filter `make_program` assembles for this machine, or exit saying why not."""
    arch = seccomp.ARCHES.get(os.uname().machine)
    if arch is None:
        sys.exit(f"no seccomp table for {os.uname().machine}")
    blob = seccomp.assemble(make_program(arch))
    buffer = ctypes.create_string_buffer(blob, len(blob))
    prog = seccomp._SockFprog(len(blob) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.syscall(ctypes.c_long(arch.seccomp_nr), 1, 0, ctypes.byref(prog)) != 0:
        sys.exit(f"cannot install the filter: {os.strerror(ctypes.get_errno())}")


if __name__ == "__main__":
    refuse_user_namespaces()
    os.execvp(sys.argv[1], sys.argv[1:])
