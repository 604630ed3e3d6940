"""The C library, loaded on first use: importing the sandbox on macOS or Windows calls nothing
Linux-only (issue 15, item 3), and the layers that need it ask for it only when they apply."""
from __future__ import annotations

import ctypes
import functools
import sys

# Read at import, so a test can play macOS or Windows by patching sys.platform first.
LINUX = sys.platform.startswith("linux")


@functools.cache  # the fork server loads it once; every worker inherits it
def libc() -> ctypes.CDLL:
    """This process's C library with errno kept, `syscall` returning a long, `mount` typed."""
    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    lib.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return lib
