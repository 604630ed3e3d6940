"""Landlock: the kernel's own allowlist of what a worker may read, write, connect to and signal.

The worker applies it last, on top of the mount namespace, so it holds even where
namespaces are missing (an ordinary user on a system with user namespaces disabled):
the course, the grader's files and other students' work stay unreadable beneath
anything not allowed, TCP is closed, and the grader cannot be signalled or traced from
the worker (Landlock confines ptrace to the worker's own domain). Linux >= 5.13 with
Landlock enabled; each later ABI version adds rights, used where the kernel has them.
"""
from __future__ import annotations

import ctypes
import os

from grader.sandbox.libc import LINUX, libc

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION, _RULE_PATH_BENEATH = 1, 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights (include/uapi/linux/landlock.h); all of them up to bit N by ABI version.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
READ = EXECUTE | READ_FILE | READ_DIR
EVERYTHING = (1 << 16) - 1  # masked down to what the kernel handles
DEVICES = READ_FILE | WRITE_FILE | READ_DIR | IOCTL_DEV  # /dev/null, /dev/urandom: file modes still apply
_FS_BY_ABI = ((5, (1 << 16) - 1), (3, (1 << 15) - 1), (2, (1 << 14) - 1), (1, (1 << 13) - 1))
_NET_TCP = 0b11  # bind, connect (ABI 4): handled with no rule, so both are refused
_SCOPES = 0b11   # abstract unix sockets, signals (ABI 6): nothing outside the worker's domain



class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # packed in the kernel's header
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (old kernel, not enabled, not Linux)."""
    if not LINUX:
        return 0
    return max(int(libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))), 0)


def restrict(rules: dict[str, int]) -> list[str]:
    """Confine this process (and what it forks) to `rules`: folder -> rights beneath it.

    Everything not granted is refused. Returns what could not be applied, as text for
    the report; on any failure nothing is applied (a half-built allowlist could stop
    the student's honest imports).
    """
    version = abi_version()
    if version == 0:
        return ["Landlock (not in this kernel)"]
    fs = next(rights for since, rights in _FS_BY_ABI if version >= since)
    attr = _RulesetAttr(fs, _NET_TCP if version >= 4 else 0, _SCOPES if version >= 6 else 0)
    size = 8 if version < 4 else 16 if version < 6 else 24  # the struct as this ABI knows it
    ruleset = int(libc().syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)))
    if ruleset < 0:
        return [f"Landlock ({os.strerror(ctypes.get_errno())})"]
    try:
        for folder, rights in rules.items():
            try:
                fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                continue  # not on this system (/lib32, say): nothing to allow
            try:
                rule = _PathBeneathAttr(rights & fs, fd)
                if libc().syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                    return [f"Landlock (rule for {folder}: {os.strerror(ctypes.get_errno())})"]
            finally:
                os.close(fd)
        # Unprivileged processes may only restrict themselves once they cannot gain privileges.
        if libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
                libc().syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            return [f"Landlock ({os.strerror(ctypes.get_errno())})"]
    finally:
        os.close(ruleset)
    return []
