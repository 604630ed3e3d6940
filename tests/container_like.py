"""Run a command as in a container that allows no namespaces and no Landlock:
`python container_like.py COMMAND [ARG ...]`.

Docker's default seccomp profile refuses unshare to a root without CAP_SYS_ADMIN, and
an older kernel or profile has no Landlock: the sandbox is then left with its
unprivileged user, rlimits and seccomp. Gradescope's containers may be such a place. A
seccomp filter (tests/no_userns.py's way) makes one here for one process tree: unshare
fails with EPERM, landlock_create_ruleset with ENOSYS. x86_64 and aarch64 only.
"""
from __future__ import annotations

import errno
import os
import sys

from no_userns import install

from grader.sandbox import seccomp

LANDLOCK_CREATE_RULESET = 444  # the same number on x86_64 and aarch64
LD, JEQ, RET = 0x20, 0x15, 0x06


def program(arch: seccomp.Arch) -> list[tuple]:
    """Refuse unshare and Landlock; allow everything else."""
    return [(LD, 4), (JEQ, arch.audit, None, "allow"), (LD, 0),
            (JEQ, arch.numbers["unshare"], "deny", None), (JEQ, LANDLOCK_CREATE_RULESET, "enosys", None),
            ("label", "allow"), (RET, seccomp.ALLOW),
            ("label", "deny"), (RET, seccomp.ERRNO | errno.EPERM),
            ("label", "enosys"), (RET, seccomp.ERRNO | errno.ENOSYS)]


if __name__ == "__main__":
    install(program)
    os.execvp(sys.argv[1], sys.argv[1:])
