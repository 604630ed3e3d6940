"""What a stored result depends on beyond its own inputs: the grader, torch, Python, the
machine. One fingerprint for both stores that outlive a command (the checkout's expected
values, grader/engine/expected_cache.py; a batch folder's re-grade cache,
grader/engine/regrade.py), computed once per process: it reads the grader's own source.
"""
from __future__ import annotations

import functools
import hashlib
import platform
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import grader


def digest(parts: Iterable[bytes]) -> str:
    """One sha256 over length-prefixed parts, so that no two lists of parts collide."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def file_parts(label: str, path: Path) -> list[bytes]:
    """A file's name and bytes; a missing file counts as its own state, not as an error."""
    return [label.encode(), path.read_bytes() if path.is_file() else b"\0missing"]


@functools.lru_cache(maxsize=1)
def grader_parts() -> tuple[bytes, ...]:
    """The grader's version and its own source (an editable install changes without a new
    version), torch's and Python's versions, the machine and its CUDA devices (a check that
    needs a GPU is not counted where there is none): each can change an answer or a verdict."""
    import torch  # already imported by the grading modules: costs nothing here

    package = Path(grader.__file__).resolve().parent
    parts = [grader.__version__.encode(), platform.python_version().encode(), platform.machine().encode(),
             f"cuda devices: {torch.cuda.device_count()}".encode()]
    try:
        parts.append(version("torch").encode())
    except PackageNotFoundError:
        parts.append(torch.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        parts += file_parts(path.relative_to(package).as_posix(), path)
    return tuple(parts)
