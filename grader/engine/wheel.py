"""A wheel of the running grader, for what we ship to be graded elsewhere (issue 15.2).

`grader release` and `grader gradescope` both vendor one, and point at the file, never
at a version on an index: the grader is not published, and `grader` on PyPI is someone
else's project. From a checkout (pyproject.toml beside the package) pip builds the
wheel from the source tree; from an installed wheel (no source tree) the installed
files that its RECORD names are written back into a wheel, with a fresh RECORD
(the wheel format, PEP 427: https://packaging.python.org/en/latest/specifications/binary-distribution-format/).
Where neither works it stops with the reason. The distribution's name is read from
what is installed or built, never assumed.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import grader
from grader.errors import UsageError
from grader.files import write_bytes_atomic

# Written by the installer, not part of the wheel (PEP 376 / the recording-installed-packages spec).
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
WHEEL_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the same files make the same wheel


def vendor_wheel(folder: Path) -> Path:
    """Write a wheel of the running grader into `folder` and return its path."""
    package = Path(grader.__file__).resolve().parent
    if (package.parent / "pyproject.toml").is_file():
        return build_from_source(package.parent, folder)
    return rebuild_installed(package, folder)


def build_from_source(source: Path, folder: Path) -> Path:
    """`pip wheel` of a checkout, offline: no build isolation, so no download of setuptools."""
    with tempfile.TemporaryDirectory() as tmp:
        # A copy: setuptools builds in the tree, and a build/ left from an older layout
        # would put modules that no longer exist into the wheel.
        tree = Path(tmp) / "source"
        shutil.copytree(source, tree, ignore=_not_source(source))
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "-q", "-w", tmp, str(tree)], capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            said = [line for line in done.stderr.splitlines() if line.strip()]
            reason = said[-1].strip() if said else f"pip made {len(wheels)} wheels"
            raise UsageError(f"cannot build a wheel of the grader from {source}: {reason} "
                             f"(pip and setuptools must be installed beside it: pip install setuptools)")
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(wheels[0], folder / wheels[0].name))


def _not_source(root: Path) -> Callable[[str, list[str]], set[str]]:
    """What a copy of the checkout leaves out: environments, build outputs, caches, git."""
    top = {".git", ".venv", "venv", "build", "dist", "results", ".pytest_cache"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        return skip | (top & set(names) if Path(folder) == root else set())
    return ignore


def rebuild_installed(package: Path, folder: Path) -> Path:
    """The installed distribution that holds `package`, written back into a wheel."""
    dist = installed_distribution(package)
    files = [f for f in dist.files or () if _belongs_in_wheel(f)]
    info = next((f.parts[0] for f in files if f.parts[0].endswith(".dist-info")), None)
    if info is None:
        raise UsageError(f"the grader installed at {package} has no .dist-info in its RECORD: reinstall it with pip")
    members = []
    for f in files:
        path = Path(str(dist.locate_file(f)))
        if not path.is_file():
            raise UsageError(f"the installed grader lacks {path} (its RECORD names it): reinstall it with pip")
        members.append((f.as_posix(), path.read_bytes()))
    tags = _tags(dict(members).get(f"{info}/WHEEL", b"").decode())
    name = f"{info[:-len('.dist-info')]}-{tags}.whl"
    target = folder / name
    write_bytes_atomic(target, wheel_bytes(members, f"{info}/RECORD"))
    return target


def installed_distribution(package: Path) -> importlib.metadata.Distribution:
    """The distribution whose RECORD lists this very package's __init__.py (not a namesake elsewhere)."""
    init = (package / "__init__.py").resolve()
    for name in importlib.metadata.packages_distributions().get(package.name, []):
        for dist in importlib.metadata.distributions(name=name):
            for f in dist.files or ():
                if f.parts == (package.name, "__init__.py") and Path(str(dist.locate_file(f))).resolve() == init:
                    return dist
    raise UsageError(f"cannot make a wheel of the grader at {package}: it is neither a checkout (no pyproject.toml "
                     f"beside it) nor installed from a wheel (no RECORD lists it); install it with pip")


def _belongs_in_wheel(f: importlib.metadata.PackagePath) -> bool:
    """Files in site-packages that the wheel brought: not scripts pip made, caches or installer notes."""
    parts = f.parts
    if not parts or parts[0] == ".." or "__pycache__" in parts or f.suffix == ".pyc":
        return False
    return not (parts[0].endswith(".dist-info") and len(parts) == 2 and parts[1] in INSTALLER_FILES)


def _tags(wheel_file: str) -> str:
    """The compressed tag set of a WHEEL file's `Tag:` lines (py3-none-any for a pure wheel)."""
    tags = [line.split(":", 1)[1].strip().split("-") for line in wheel_file.splitlines() if line.startswith("Tag:")]
    if not tags:
        return "py3-none-any"
    return "-".join(".".join(sorted({t[i] for t in tags})) for i in range(3))


def wheel_bytes(members: list[tuple[str, bytes]], record: str) -> bytes:
    """A wheel zip of `members` (name, data) with a RECORD of their sha256 hashes and sizes, last."""
    # The .dist-info last, RECORD at its end, as the wheel spec recommends.
    ordered = sorted(members, key=lambda m: (".dist-info/" in m[0], m[0]))
    lines = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in ordered]
    lines.append(f"{record},,")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [*ordered, (record, ("\n".join(lines) + "\n").encode())]:
            entry = zipfile.ZipInfo(name, WHEEL_DATE)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
