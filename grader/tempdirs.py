"""One private temp folder per run, removed at its end: the grader leaves nothing in /tmp.

Python's `tempfile` and torch both put files in the system's temp folder (torch's
inductor cache is `$TMPDIR/torchinductor_$USER`, made as soon as the fork server warms
up an optimizer). Pointing TMPDIR and torch's cache variables at a folder of our own,
for this process and every process it starts, lets one `rmtree` remove them all.
Sandbox workers are not affected: each gets its own work folder as TMPDIR.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Torch's caches that default to the temp folder, and their place inside ours.
TORCH_TEMP_VARS = {"TORCHINDUCTOR_CACHE_DIR": "torchinductor"}


def temp_env(folder: str) -> dict[str, str]:
    """The environment that sends a process's temporary files and torch's caches into `folder`."""
    return {"TMPDIR": folder, **{var: os.path.join(folder, sub) for var, sub in TORCH_TEMP_VARS.items()}}


@contextmanager
def private_tempdir(prefix: str = "grader-") -> Iterator[Path]:
    """While open, a fresh folder is the temp folder of this process and of the processes
    it starts; on exit, even by an exception, it is removed with all they left in it."""
    folder = tempfile.mkdtemp(prefix=prefix)
    os.chmod(folder, 0o711)  # sandbox workers (other uids) pass through to their scratch below
    env = temp_env(folder)
    saved_env = {k: os.environ.get(k) for k in env}
    saved_tempdir = tempfile.tempdir
    os.environ.update(env)
    tempfile.tempdir = folder
    try:
        yield Path(folder)
    finally:
        tempfile.tempdir = saved_tempdir
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(folder, ignore_errors=True)
