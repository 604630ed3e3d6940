"""Benchmarks a reader can run and trust: `python benchmarks/bench.py [overhead]`.

overhead: the engine's marginal cost per extra submission, from grading 41 vs 1
copies of the reference solution with -j 1, next to the time of
`python -c "import torch"` measured in the same run (the yardstick of process start).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def import_torch_seconds(repeats: int = 3) -> float:
    return min(timed([sys.executable, "-c", "import torch"]) for _ in range(repeats))


def make_class(folder: Path, n: int, assignments: list[str]) -> Path:
    for i in range(n):
        student = folder / f"s{i:03d}"
        student.mkdir(parents=True)
        for aid in assignments:
            shutil.copy(ROOT / "reference" / f"{aid}.py", student / f"{aid}.py")
    return folder


def grade_seconds(subs: Path, out: Path, jobs: int, assignments: list[str]) -> float:
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "-j", str(jobs)]
    for aid in assignments:
        cmd += ["--assignment", aid]
    return timed(cmd)


def overhead(args: argparse.Namespace) -> None:
    assignments = [args.assignment]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        small = make_class(t / "one", 1, assignments)
        big = make_class(t / "many", 41, assignments)
        t_torch = import_torch_seconds()
        t1 = min(grade_seconds(small, t / "o1", 1, assignments) for _ in range(args.repeats))
        t41 = min(grade_seconds(big, t / "o41", 1, assignments) for _ in range(args.repeats))
    marginal = (t41 - t1) / 40
    print(f"import torch:                   {t_torch * 1000:7.0f} ms")
    print(f"grade 1 x {args.assignment}:   {t1:7.2f} s")
    print(f"grade 41 x {args.assignment}:  {t41:7.2f} s")
    print(f"marginal cost per submission:   {marginal * 1000:7.1f} ms = {marginal / t_torch:.3f} x import torch "
          f"(target < 0.1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what")
    p = sub.add_parser("overhead", help="marginal engine cost per submission")
    p.add_argument("--assignment", default="tensor_creation")
    p.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(sys.argv[1:] or ["overhead"])
    {"overhead": overhead}[args.what](args)


if __name__ == "__main__":
    main()
