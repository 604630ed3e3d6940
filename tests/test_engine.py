"""The sandbox engine: failures of one call stay in that call, and say what happened."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from conftest import failed_checks, grade_source
from grader.results import Status

REF = "reference/tensor_creation.py"


def reference_with(extra: str) -> str:
    from conftest import ROOT
    return (ROOT / REF).read_text() + "\n" + extra


def test_hang_at_import_scores_zero_within_the_limit(fast_grader):
    started = time.monotonic()
    result = grade_source(fast_grader, "tensor_creation", "while True:\n    pass\n")
    elapsed = time.monotonic() - started
    assert result.score == 0
    assert all(c.status is Status.TIMEOUT for c in result.checks)
    assert "timed out after 2 s" in result.checks[0].message
    assert elapsed < 10, "the import time limit was paid more than once"


def test_sleep_at_import_is_a_wall_clock_timeout(fast_grader):
    result = grade_source(fast_grader, "tensor_creation", "import time\ntime.sleep(10**6)\n")
    assert result.score == 0 and "timed out" in result.error


def test_ignored_signals_do_not_stop_the_kill(fast_grader):
    src = "import signal\nfor s in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT):\n    signal.signal(s, signal.SIG_IGN)\nwhile True: pass\n"
    result = grade_source(fast_grader, "tensor_creation", src)
    assert result.score == 0 and "timed out" in result.error


def test_one_hanging_function_fails_only_its_checks(fast_grader):
    result = grade_source(fast_grader, "tensor_creation", reference_with(
        "def make_randn(rows, cols, seed):\n    while True:\n        pass\n"))
    assert failed_checks(result) == {"randn_is_reproducible", "creation_on_new_inputs"}
    timed_out = {c.check_id for c in result.checks if c.status is Status.TIMEOUT}
    assert timed_out == {"randn_is_reproducible", "creation_on_new_inputs"}
    assert result.score == 8
    assert "timed out" in result.notes


def test_segfault_in_one_function_fails_only_its_checks(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def describe(t):\n    import ctypes\n    return ctypes.string_at(0)\n"))
    assert failed_checks(result) == {"describe", "describe_other_tensors"}
    crash = next(c for c in result.checks if c.check_id == "describe")
    assert "SIGSEGV" in crash.message and crash.status is Status.ERROR


def test_exit_during_a_call_is_reported(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def to_numpy(t):\n    import os\n    os._exit(0)\n"))
    assert failed_checks(result) == {"to_numpy", "numpy_round_trips"}
    assert "exit code 0" in next(c for c in result.checks if c.check_id == "to_numpy").message


@pytest.mark.parametrize("source,words", [
    ("def from_data(:\n", "SyntaxError"),
    ("import tensorflow\n", "ModuleNotFoundError"),
    ("raise SystemExit(0)\n", "SystemExit"),
    ("x = 1 / 0\n", "ZeroDivisionError: division by zero (line 1"),
    (b"\x00\x01garbage", "null bytes"),
])
def test_broken_module_scores_zero_with_the_reason(grader, source, words):
    result = grade_source(grader, "tensor_creation", source)
    assert result.score == 0
    assert words in result.error
    assert all(words in c.message for c in result.checks)


def test_missing_function_fails_only_its_checks_and_says_so(grader):
    src = reference_with("del to_float32\n")
    result = grade_source(grader, "tensor_creation", src)
    assert failed_checks(result) == {"to_float32", "numpy_round_trips"}
    check = next(c for c in result.checks if c.check_id == "to_float32")
    assert "no function named to_float32" in check.message and check.hint


def test_wrong_return_type_is_named(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "def make_ones(rows, cols):\n    return [[1.0] * cols for _ in range(rows)]\n"))
    check = next(c for c in result.checks if c.check_id == "zeros_and_ones")
    assert "should return a torch.Tensor, got list" in check.message


def test_global_state_changed_by_one_call_does_not_leak_into_the_next(grader):
    # make_zeros switches the default dtype and grad mode and leaves them so; the
    # worker resets both before every call, so only make_zeros' own checks see it.
    result = grade_source(grader, "tensor_creation", reference_with(
        "def make_zeros(rows, cols):\n    torch.set_default_dtype(torch.float64)\n"
        "    torch.set_grad_enabled(False)\n    return torch.zeros(rows, cols)\n"))
    assert failed_checks(result) == {"zeros_and_ones", "creation_on_new_inputs"}


def test_student_output_is_kept_and_bounded(grader):
    result = grade_source(grader, "tensor_creation", reference_with(
        "print('hello from import')\nfor _ in range(10000):\n    print('x' * 100)\n"))
    assert result.score == 10
    assert result.output.startswith("hello from import")
    assert "bytes left out" in result.output and len(result.output) < 10000


def test_a_fork_server_that_cannot_start_is_one_clear_error_at_first_use(monkeypatch):
    from grader import forkserver
    from grader.errors import GraderError

    monkeypatch.setattr(forkserver, "_BOOT", "import sys; sys.exit(3)")
    server = forkserver.ForkServer()  # returns at once: the server starts while the grader imports
    with pytest.raises(GraderError, match="fork server did not start"):
        server.connect()
    server.close()
    assert server.proc is not None and server.proc.returncode == 3


def test_the_fork_server_memory_goes_on_huge_pages_where_the_kernel_allows():
    import subprocess
    import sys

    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not thp.is_file() or "[never]" in thp.read_text():
        pytest.skip("transparent huge pages are off on this machine")
    if tuple(int(x) for x in os.uname().release.split(".")[:2]) < (6, 1):
        pytest.skip("MADV_COLLAPSE needs Linux 6.1")
    code = ("import mmap; from grader.forkserver import use_huge_pages\n"
            "m = mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS); m.write(b'x' * (64 << 20))\n"
            "n = use_huge_pages()\n"
            "huge = [l for l in open('/proc/self/smaps_rollup') if l.startswith('AnonHugePages')][0].split()[1]\n"
            "print(n >> 20, int(huge) >> 10)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    collapsed_mib, huge_mib = int(out[0]), int(out[1])
    assert collapsed_mib >= 60 and huge_mib >= 60
