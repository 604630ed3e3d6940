"""Write output files atomically, never following a link planted where a file goes."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write `text` to `path` through a temporary file and os.replace (pypa/build's way).

    The text is encoded first: text no UTF-8 writer takes (a lone surrogate) fails here
    with UnicodeEncodeError before any folder or file is made.
    """
    write_bytes_atomic(path, text.encode("utf-8"), private)


def write_bytes_atomic(path: Path, data: bytes, private: bool = False) -> None:
    """Write `data` to `path` the same way: a reader sees the old file or the whole new one.
    `private`: the file is its owner's alone (0600: expected values, hidden answers included)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file 0600; an output is for a TA, a web server, another account
        # to read: the mode open() would give (0666 less the umask).
        if not private:
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # replaces a symlink itself, never writes through it
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    """The process's umask (os.umask sets one and returns the old: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
