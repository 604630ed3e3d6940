"""Landlock, the layer that holds where namespaces are missing: only what is granted is allowed."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.sandbox import landlock

VERSION = landlock.abi_version()
pytestmark = pytest.mark.skipif(VERSION == 0, reason="this kernel has no Landlock (Linux < 5.13, or not enabled)")

# Runs in a fresh process: restricts itself to reading ALLOWED and writing WORK, then
# tries what a submission would, and prints each outcome ("ok" or the errno's name).
TRY = """
import errno, json, os, socket, sys
from grader.sandbox import landlock
allowed, work, secret = sys.argv[1:4]
missing = landlock.restrict({allowed: landlock.READ, work: landlock.EVERYTHING})

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))

def connect():
    with socket.socket() as s:
        s.settimeout(2)
        s.connect(("127.0.0.1", 9))

print(json.dumps({
    "missing": missing,
    "read allowed": attempt(lambda: open(os.path.join(allowed, "data.txt")).read()),
    "read secret": attempt(lambda: open(secret).read()),
    "list secret folder": attempt(lambda: os.listdir(os.path.dirname(secret))),
    "write into allowed": attempt(lambda: open(os.path.join(allowed, "new.txt"), "w").close()),
    "write into work": attempt(lambda: open(os.path.join(work, "new.txt"), "w").close()),
    "signal the parent": attempt(lambda: os.kill(os.getppid(), 0)),
    "trace the parent": attempt(lambda: open(f"/proc/{os.getppid()}/mem", "rb").close()),
    "tcp connect": attempt(connect),
}))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("landlock")
    for name in ("allowed", "work", "secret"):
        (base / name).mkdir()
    (base / "allowed" / "data.txt").write_text("granted")
    (base / "secret" / "answers.txt").write_text("the reference")
    out = subprocess.run([sys.executable, "-c", TRY, str(base / "allowed"), str(base / "work"),
                          str(base / "secret" / "answers.txt")], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    if found["missing"]:  # the kernel has it, but something above us (a seccomp filter) refuses it
        pytest.skip(f"Landlock could not be applied here: {found['missing'][0]}")
    return found


def test_only_granted_folders_can_be_read(outcomes):
    assert outcomes["read allowed"] == "ok"
    assert outcomes["read secret"] == "EACCES"
    assert outcomes["list secret folder"] == "EACCES"


def test_only_the_work_folder_can_be_written(outcomes):
    assert outcomes["write into work"] == "ok"
    assert outcomes["write into allowed"] == "EACCES"


def test_the_grader_cannot_be_traced_from_inside(outcomes):
    # Landlock answers EACCES; another security module (Yama) may refuse first, with EPERM.
    assert outcomes["trace the parent"] in ("EACCES", "EPERM")


@pytest.mark.skipif(VERSION < 6, reason=f"signal scoping needs Landlock ABI 6 (this kernel: {VERSION})")
def test_the_grader_cannot_be_signalled_from_inside(outcomes):
    assert outcomes["signal the parent"] == "EPERM"


@pytest.mark.skipif(VERSION < 4, reason=f"TCP rules need Landlock ABI 4 (this kernel: {VERSION})")
def test_tcp_is_closed(outcomes):
    assert outcomes["tcp connect"] == "EACCES"
