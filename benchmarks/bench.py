"""Benchmarks a reader can run and trust: `python benchmarks/bench.py MODE`.

overhead: the engine's marginal cost per extra submission, from grading 41 vs 1
  copies of the reference solution with -j 1, next to the time of
  `python -c "import torch"` measured in the same run (the yardstick of process start).
hostile-batch: 200 submissions, 20 of them hostile (tests/fixtures/hostile), graded
  in one batch with -j 2; every honest submission must score as when graded alone,
  and the grader's own peak memory is reported (target < 1 GiB).
class: a synthetic class of N students x 7 assignments (correct in several styles,
  one-bug, broken), graded with `grader grade -j <cores>`; against it, the checks'
  own work run directly in one process (benchmarks/direct.py: the yardstick for the
  engine's overhead) and the naive way, a fresh `python -m pytest` per submission and
  assignment, over the whole class (about 45 min here; --naive-sample N grades only the
  first N students that way and extrapolates, for a quick estimate).
  CPU is measured over the whole process tree with a cpuacct cgroup (as root).
spawn: where an engine's per-submission time goes: CPU per sandbox worker (its fork, as
  root straight from the fork server, namespaces, mounts, cgroups, uid drop; split between
  the server, this grader and the worker) and per probe call.
dask: the same class graded on a local Dask cluster of 2 worker processes and with
  `-j 2` locally (wall times).
attack-batch: issue 13's whole-class attacks (the j-cases of the hostile corpus, the
  notebook budget and size attacks, student folders named like the batch's own files, a
  dot folder) next to honest students, through `grader grade -j 2`: wall time, every
  output written, honest grades exact, the largest output file, the grader's peak
  memory, kernel keys and temp folders left behind.
regrade: `grader grade` over a class of N students (xor, the costliest assignment), then
  the same command on the same --out after one student's file changed (issue 19: target
  <= 0.4 x the first run), and once more with nothing changed.
speed: issue 20's figures, each next to `import torch` in the same run: the marginal wall
  and CPU (whole process tree, cpuacct) per submission at -j 1, placed and with
  GRADER_PLACEMENT=off (grader/engine/placement.py), and a cold `grader check` in a
  released repository and in this checkout (its expected values on disk).
pingpong: a socket round trip between two processes on two CPUs and on one, what CPU
  placement saves per call (grader/engine/placement.py).
watch: what a student waits for in a released repository (`grader release` to a temp
  folder, the reference file as their work): a cold `grader check ID`, and with
  `grader check --watch ID` the time from a save to the verdict line (median of N saves),
  both against `python -c "import torch"`.
similarity: `grader similarity` over the synthetic class (N students x 7 assignments,
  every pair of files compared): wall and CPU time, the grader's peak memory.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from grader.engine.placement import PLACEMENT_ENV  # noqa: E402 - after the path above


class TreeMemory:
    """Samples the memory of a process and all its descendants (a tree of /proc entries).

    The root's figure is its RSS; the tree's is the sum of PSS, which splits pages
    shared copy-on-write (torch, forked from the fork server) among their sharers,
    where a sum of RSS would count them once per worker.
    """

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every = pid, every
        self.peak_root = self.peak_total = self.peak_worker = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _children() -> dict[int, list[int]]:
        tree: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                tree.setdefault(ppid, []).append(int(entry))
        return tree

    @staticmethod
    def _field(path: str, name: str) -> int:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            tree, todo, total = self._children(), [self.pid], 0
            while todo:
                pid = todo.pop()
                total += self._field(f"/proc/{pid}/smaps_rollup", "Pss:")
                if self._field(f"/proc/{pid}/status", "Uid:") // 1024 >= 200_000:  # a sandbox worker
                    private = (self._field(f"/proc/{pid}/smaps_rollup", "Private_Clean:")
                               + self._field(f"/proc/{pid}/smaps_rollup", "Private_Dirty:"))
                    self.peak_worker = max(self.peak_worker, private)
                if pid == self.pid:
                    self.peak_root = max(self.peak_root, self._field(f"/proc/{pid}/status", "VmRSS:"))
                todo += tree.get(pid, [])
            self.peak_total = max(self.peak_total, total)
            time.sleep(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_grade(subs: Path, out: Path, jobs: int, assignments: list[str]) -> tuple[float, TreeMemory]:
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "-j", str(jobs)]
    for aid in assignments:
        cmd += ["--assignment", aid]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    memory = TreeMemory(proc.pid)
    if proc.wait() != 0:
        raise SystemExit(f"grading failed: {' '.join(cmd)}")
    memory.stop()
    return time.perf_counter() - started, memory


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
    return run_grade(subs, out, jobs, assignments)[0]


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


class CpuCgroup:
    """CPU time of a command and everything it starts, forked workers included."""

    def __init__(self, name: str) -> None:
        self.path = next((p / name for p in (Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup/cpu,cpuacct"))
                          if p.is_dir()), None)
        if self.path is not None:
            try:
                self.path.mkdir(exist_ok=True)
            except OSError:
                self.path = None

    def wrap(self, cmd: list[str]) -> list[str]:
        if self.path is None:
            return cmd
        return ["bash", "-c", f'echo $$ > {self.path}/cgroup.procs && exec "$@"', "bash", *cmd]

    def seconds(self) -> float | None:
        return int((self.path / "cpuacct.usage").read_text()) / 1e9 if self.path else None


def synthetic_class(folder: Path, n: int, assignments: list[str], seed: int = 7) -> dict[tuple[str, str], Path]:
    """N students: per assignment, 60% correct (reference or another style), 30% one bug, 10% broken."""
    import random

    from grader.authoring.mutants import mutant_source  # a mutant in full; any other file as it is

    rng = random.Random(seed)
    chosen = {}
    for i in range(n):
        student = folder / f"student{i:03d}"
        student.mkdir(parents=True)
        for aid in assignments:
            correct = [ROOT / "reference" / f"{aid}.py"] + sorted((ROOT / "tests/fixtures/alternatives" / aid).glob("*.py"))
            mutants = sorted((ROOT / "assignments" / aid / "mutants").glob("*.py"))
            roll = rng.random()
            if roll < 0.6:
                path = rng.choice(correct)
            elif roll < 0.9:
                path = rng.choice(mutants)
            else:
                path = ROOT / "student_template" / f"{aid}.py"
            if roll >= 0.97:  # broken beyond a stub: a syntax error
                (student / f"{aid}.py").write_text("def oops(:\n    pass\n")
                path = student / f"{aid}.py"
            else:
                (student / f"{aid}.py").write_bytes(mutant_source(path))
            chosen[(student.name, aid)] = student / f"{aid}.py"
    return chosen


def naive_seconds(files: list[tuple[str, Path]], jobs: int) -> float:
    """Wall time of one fresh `python -m pytest` per (assignment, file), `jobs` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def one(item: tuple[str, Path]) -> None:
        aid, path = item
        folder = ROOT / "assignments" / aid
        env = {**os.environ, "NAIVE_STUDENT": str(path), "NAIVE_ASSIGNMENT": aid, "OMP_NUM_THREADS": "1",
               "PYTHONPATH": f"{ROOT / 'benchmarks'}:{ROOT}"}
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "naive_plugin", "-p", "no:cacheprovider",
                        "-c", os.devnull, "--rootdir", str(ROOT), "--import-mode=importlib", "--noconftest",
                        str(folder / "checks_public.py"), str(folder / "checks_hidden.py")],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def class_benchmark(args: argparse.Namespace) -> None:
    from direct import run_direct

    from grader.course.catalogue import load_course
    from grader.engine.forkclient import ForkServer
    from grader.engine.grading import Grader

    course = load_course(ROOT)
    ids = [a.id for a in course.assignments]
    jobs = args.jobs or os.cpu_count() or 1
    n = args.students
    t_torch = import_torch_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        chosen = synthetic_class(subs, n, ids)
        cpu = CpuCgroup(f"grader-bench-{os.getpid()}")
        cmd = cpu.wrap([sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(Path(tmp) / "out"),
                        "-j", str(jobs)])
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        memory = TreeMemory(proc.pid)
        if proc.wait() != 0:
            raise SystemExit("grading failed")
        memory.stop()
        wall = time.perf_counter() - started
        engine_cpu = cpu.seconds()

        # The checks' own work: same probes and checks, no engine, one process, one thread.
        with ForkServer() as server, Grader(course, server) as grader:
            stores = {aid: grader.expected(course.get(aid)) for aid in ids}
        direct_started = time.process_time()
        for aid in ids:
            run_direct(course.get(aid), [chosen[(s.name, aid)] for s in sorted(subs.iterdir())], stores[aid],
                       course.hidden_key(aid))
        direct_cpu = time.process_time() - direct_started

        sample = sorted(subs.iterdir())[:args.naive_sample or n]
        naive = naive_seconds([(aid, chosen[(s.name, aid)]) for s in sample for aid in ids], jobs)
        naive_total = naive * n / len(sample)

    subs_count = n * len(ids)
    print(f"class: {n} students x {len(ids)} assignments = {subs_count} submissions, -j {jobs}")
    print(f"import torch:                          {t_torch * 1000:8.0f} ms")
    print(f"engine wall time:                      {wall:8.1f} s  ({subs_count / wall:.1f} submissions/s)")
    if engine_cpu is not None:
        overhead = (engine_cpu - direct_cpu) / subs_count
        print(f"engine CPU (whole process tree):       {engine_cpu:8.1f} s")
        print(f"checks' own CPU (direct, no engine):   {direct_cpu:8.1f} s")
        print(f"CPU ratio engine / checks:             {engine_cpu / direct_cpu:8.2f}   (target <= 1.3)")
        print(f"engine overhead per submission:        {overhead * 1000:8.1f} ms = {overhead / t_torch:.3f} x import torch"
              " (target < 0.1)")
    print(f"naive (fresh pytest per submission):   {naive:8.1f} s for {len(sample)} students"
          + (f", {naive_total:.0f} s extrapolated to {n}" if len(sample) < n else ""))
    print(f"speed-up over naive:                   {naive_total / wall:8.1f} x  (target >= 10)")
    print(f"peak memory: grader process {memory.peak_root / 2**20:.0f} MiB RSS; grader + pool + fork server "
          f"+ workers {memory.peak_total / 2**20:.0f} MiB PSS (target < 1536); largest worker "
          f"{memory.peak_worker / 2**20:.0f} MiB private")


def cgroup_run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float | None]:
    """Wall and CPU seconds of a command and everything it starts (CPU None without cpuacct)."""
    cpu = CpuCgroup(f"grader-speed-{os.getpid()}-{time.monotonic_ns()}")
    started = time.perf_counter()
    subprocess.run(cpu.wrap(cmd), check=True, stdout=subprocess.DEVNULL, cwd=cwd, env=env)
    wall = time.perf_counter() - started
    seconds = cpu.seconds()
    if cpu.path is not None:
        cpu.path.rmdir()
    return wall, seconds


MANY = 80  # extra students in speed's marginal figure


def speed(args: argparse.Namespace) -> None:
    """Issue 20's figures, each next to `import torch` measured in the same run: the marginal
    wall and CPU per light submission at -j 1 (81 vs 1 copies of the reference), and a cold
    `grader check` in a released repository and in this checkout (expected values on disk)."""
    from statistics import median

    aid = args.assignment
    # --fresh: each repeat grades everyone (the same --out again would re-grade nothing, issue 19).
    # --assignment: the other six assignments' reference runs are fixed costs whose spread
    # (~0.5 s) would swamp a difference of milliseconds per student.
    grade = [sys.executable, "-m", "grader.cli", "grade", "--fresh", "--course", str(ROOT), "--assignment", aid]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        small, big = make_class(t / "one", 1, [aid]), make_class(t / "many", 1 + MANY, [aid])
        repo = t / "repo"
        subprocess.run([*GRADER, "release", str(repo)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        shutil.copy(ROOT / "reference" / f"{aid}.py", repo / f"{aid}.py")
        torch_s = import_torch_seconds()
        runs: dict[str, list[tuple[float, float | None]]] = {
            "one": [], "many": [], "one-off": [], "many-off": [], "released": [], "checkout": []}
        check_here = [*GRADER, "check", aid, "--dir", str(repo), "--course", str(ROOT)]
        subprocess.run(check_here, stdout=subprocess.DEVNULL)  # fills the cache
        placements = (("", None), ("-off", {**os.environ, PLACEMENT_ENV: "off"}))
        for _ in range(args.repeats):  # interleaved: a load that comes and goes hits all alike
            for suffix, env in placements:
                runs["one" + suffix].append(cgroup_run([*grade, str(small), "--out", str(t / "o1"), "-j", "1"], env=env))
                runs["many" + suffix].append(cgroup_run([*grade, str(big), "--out", str(t / "o41"), "-j", "1"], env=env))
            runs["released"].append(cgroup_run([*GRADER, "check", aid], repo))
            runs["checkout"].append(cgroup_run(check_here))
    wall = {k: median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: median(c for _, c in v) if all(c is not None for _, c in v) else None for k, v in runs.items()}
    print(f"import torch:                                 {torch_s * 1000:7.0f} ms (best of 3, this run)")
    for suffix, how in (("", "-j 1"), ("-off", f"-j 1, {PLACEMENT_ENV}=off")):
        marginal = (wall["many" + suffix] - wall["one" + suffix]) / MANY
        print(f"marginal wall per submission, {how}: {marginal * 1000:7.1f} ms = {marginal / torch_s:.3f} "
              "x import torch" + (" (target <= 0.025)" if not suffix else ""))
        many_cpu, one_cpu = cpu["many" + suffix], cpu["one" + suffix]
        if many_cpu is not None and one_cpu is not None:
            marginal_cpu = (many_cpu - one_cpu) / MANY
            print(f"  marginal CPU per submission (all procs): {marginal_cpu * 1000:6.1f} ms = "
                  f"{marginal_cpu / torch_s:.3f} x import torch; wall / CPU {marginal / marginal_cpu:.2f}")
    for key, where in (("released", "a released repository"), ("checkout", "this checkout, values on disk")):
        extra = f", {cpu[key]:.2f} s CPU" if cpu[key] is not None else ""
        print(f"cold grader check {aid}, {where}: {wall[key]:5.2f} s = {wall[key] / torch_s:.2f} x import torch"
              f" (target <= 1.5){extra}")
    print(f"(medians of {args.repeats} interleaved runs)")


def spawn(args: argparse.Namespace) -> None:
    """CPU per worker and per call, measured in a cpuacct cgroup around a child process."""
    cpu = CpuCgroup(f"grader-spawn-{os.getpid()}")
    code = f"""
import os, sys, tempfile, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from grader.course.catalogue import Limits
from grader.engine.forkclient import ForkServer
from grader.engine.workers import WorkerSpec
usage = lambda: int(Path({str(cpu.path)!r} + "/cpuacct.usage").read_text()) / 1e9 if {cpu.path is not None} else time.process_time()
with ForkServer() as server:
    channel = server.connect()
    folder = tempfile.mkdtemp(); os.chmod(folder, 0o755)
    Path(folder, "m.py").write_text("def f(x):\\n    return x\\n"); os.chmod(Path(folder, "m.py"), 0o644)
    spec = WorkerSpec("m", folder + "/m.py", folder, None, Limits(), hide=({str(ROOT)!r},))
    n = {args.workers}
    stat = lambda: sum(map(int, Path(f"/proc/{{server.proc.pid}}/stat").read_text().rsplit(")", 1)[1].split()[11:13]))
    c0, t0, s0, g0 = usage(), time.perf_counter(), stat(), time.process_time()
    for _ in range(n):
        w = channel.spawn(spec); w.wait_ready(); w.close()
    total, server_ms = (usage() - c0) / n * 1000, (stat() - s0) / os.sysconf("SC_CLK_TCK") / n * 1000
    grader_ms = (time.process_time() - g0) / n * 1000
    print(f"per worker: {{total:.1f}} ms CPU, {{(time.perf_counter() - t0) / n * 1000:.1f}} ms wall"
          f" (layers missing: {{w.missing_layers or 'none'}}); of the CPU: the fork server {{server_ms:.1f}} ms,"
          f" this grader {{grader_ms:.1f}} ms, the worker and the kernel for it {{total - server_ms - grader_ms:.1f}} ms")
    w = channel.spawn(spec); w.wait_ready()
    c0, t0 = usage(), time.perf_counter()
    for _ in range(n * 10):
        w.call("f", ([1.0] * 10,), {{}}, 5)
    print(f"per probe call: {{(usage() - c0) / n / 10 * 1000:.2f}} ms CPU, {{(time.perf_counter() - t0) / n / 10 * 1000:.2f}} ms wall")
    w.close()
"""
    subprocess.run(cpu.wrap([sys.executable, "-c", code]), check=True)


def dask_vs_local(args: argparse.Namespace) -> None:
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        synthetic_class(subs, args.students, [a for a in args.assignment])
        extra = [x for aid in args.assignment for x in ("--assignment", aid)]
        local, _ = run_grade(subs, Path(tmp) / "local", 2, args.assignment)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(Path(tmp) / "dask"),
                   "--scheduler", cluster.scheduler_address, *extra]
            started = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            remote = time.perf_counter() - started
        same = (Path(tmp) / "local" / "grades.csv").read_text() == (Path(tmp) / "dask" / "grades.csv").read_text()
    print(f"{args.students} students x {len(args.assignment)} assignments")
    print(f"local, -j 2:                         {local:6.1f} s")
    print(f"Dask LocalCluster, 2 worker processes: {remote:6.1f} s (includes starting one engine per worker)")
    print(f"same grades.csv: {same}")


def hostile_batch(args: argparse.Namespace) -> None:
    from test_hostile import CASES, source  # the corpus and how its files are composed

    from grader.authoring.mutants import mutant_source  # a mutant in full; any other file as it is
    from grader.course.catalogue import load_course
    from grader.course.submission import SubmissionFile
    from grader.engine.forkclient import ForkServer
    from grader.engine.grading import Grader, Target

    aid = "tensor_creation"
    honest_files = ([ROOT / "reference" / f"{aid}.py", ROOT / "student_template" / f"{aid}.py"]
                    + sorted((ROOT / "assignments" / aid / "mutants").glob("*.py"))
                    + sorted((ROOT / "tests" / "fixtures" / "alternatives" / aid).glob("*.py")))
    hostile = [p for p in CASES if source(p)[0] == aid][:args.hostile]
    with tempfile.TemporaryDirectory() as tmp:
        subs, kinds = Path(tmp) / "subs", {}
        for i in range(args.students - len(hostile)):
            path = honest_files[i % len(honest_files)]
            (subs / f"h{i:03d}").mkdir(parents=True)
            (subs / f"h{i:03d}" / f"{aid}.py").write_bytes(mutant_source(path))
            kinds[f"h{i:03d}"] = path
        for path in hostile:
            (subs / f"x_{path.stem}").mkdir(parents=True)
            (subs / f"x_{path.stem}" / f"{aid}.py").write_bytes(source(path)[1])
        seconds, memory = run_grade(subs, Path(tmp) / "out", 2, [aid])
        with open(Path(tmp) / "out" / "grades.csv") as fh:
            batch = {row["student"]: float(row[aid]) for row in csv.DictReader(fh)}
        course = load_course(ROOT)
        with ForkServer() as server, Grader(course, server) as grader:
            alone = {p: grader.grade(course.get(aid), [Target("x", SubmissionFile(f"{aid}.py",
                                                                                mutant_source(p)))])[0].score
                     for p in honest_files}
    mismatched = [s for s, p in kinds.items() if batch[s] != alone[p]]
    print(f"students: {len(batch)} ({len(hostile)} hostile), graded with -j 2 in {seconds:.1f} s")
    print(f"honest submissions scored as when graded alone: {len(kinds) - len(mismatched)}/{len(kinds)}")
    print(f"hostile submissions' scores: {sorted(batch[f'x_{p.stem}'] for p in hostile)}")
    print(f"grader process peak RSS: {memory.peak_root / 2**20:.0f} MiB (target < 1024)")
    print(f"grader + pool + fork server + workers, peak PSS sum: {memory.peak_total / 2**20:.0f} MiB")
    if mismatched:
        raise SystemExit(f"scores differ from solo grading: {mismatched}")


def _notebook(sources: list[str]) -> bytes:
    """A format-4 notebook of code cells, written as raw JSON (json.dumps keeps \\udc80 escaped)."""
    import json

    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
              "source": src} for i, src in enumerate(sources)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _key_users() -> list[str]:
    try:
        return Path("/proc/key-users").read_text().splitlines()
    except OSError:
        return []


def attack_batch(args: argparse.Namespace) -> None:
    from test_hostile import CASES, source

    from grader.authoring.mutants import mutant_source

    aid = "tensor_creation"
    reference = (ROOT / "reference" / f"{aid}.py").read_text()
    sleeper = "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(10**6)\n"
    notebooks = {
        "nb_70000_cells_and_a_sleeper": [reference] + [""] * 70_000 + [sleeper],
        "nb_20_slow_demo_cells": [reference] + ["import time\ntime.sleep(4.5)\n"] * 20,
        "nb_2_7M_magic_lines": [reference, "%\n" * 2_700_000],
        "nb_lone_surrogate_magic": [reference + "\nNOTE = '\udc80'\n", "%time \udc80"],
    }
    honest = {"alice": (reference, 10.0),
              "bob": (mutant_source(ROOT / "assignments" / aid / "mutants" / "from_data_int64.py").decode(), 8.0),
              "carol": ((ROOT / "student_template" / f"{aid}.py").read_text(), 0.0)}
    collide = ("grades.csv", "batch.json", "index.html", "INDEX.HTML")
    with tempfile.TemporaryDirectory() as tmp:
        subs, out, scratch = Path(tmp) / "subs", Path(tmp) / "out", Path(tmp) / "tmp"
        scratch.mkdir()
        for name, (text, _) in honest.items():
            (subs / name).mkdir(parents=True)
            (subs / name / f"{aid}.py").write_text(text)
        for name in collide:
            (subs / name).mkdir(parents=True)
            (subs / name / f"{aid}.py").write_text(reference)
        (subs / ".hidden").mkdir()
        (subs / ".hidden" / f"{aid}.py").write_text(reference)
        jcases = [p for p in CASES if p.name.startswith("j")]
        for path in jcases:
            (subs / f"x_{path.stem}").mkdir()
            (subs / f"x_{path.stem}" / f"{aid}.py").write_bytes(source(path)[1])
        for name, cells in notebooks.items():
            (subs / name).mkdir()
            (subs / name / f"{aid}.ipynb").write_bytes(_notebook(cells))
        keys_before = _key_users()
        os.environ["TMPDIR"] = str(scratch)
        seconds, memory = run_grade(subs, out, 2, [aid])
        with open(out / "grades.csv") as fh:
            batch = {row["student"]: float(row[aid]) for row in csv.DictReader(fh)}
        files = [p for p in out.rglob("*") if p.is_file()]
        largest = max(files, key=lambda p: p.stat().st_size)
        reports = sum(1 for p in files if p.name == "report.html")
        wrong = {s: batch.get(s) for s, (_, want) in honest.items() if batch.get(s) != want}
        wrong.update({s: v for s, v in batch.items() if s.startswith(tuple(c.lower() for c in collide)) and v != 10.0})
        print(f"{len(batch)} students ({len(jcases)} j-cases, {len(notebooks)} notebook attacks, "
              f"{len(collide)} colliding names), -j 2: {seconds:.1f} s")
        print(f"outputs: grades.csv, batch.json, index.html present: "
              f"{all((out / n).is_file() for n in ('grades.csv', 'batch.json', 'index.html'))}; "
              f"{reports} student reports for {len(batch)} students")
        print(f"honest and colliding-name students exact: {not wrong} {wrong or ''}")
        print(f"largest output file: {largest.relative_to(out)} {largest.stat().st_size / 2**10:.0f} KiB; "
              f"all outputs {sum(p.stat().st_size for p in files) / 2**20:.1f} MiB")
        print(f"grader process peak RSS: {memory.peak_root / 2**20:.0f} MiB (target < 1024); "
              f"whole tree peak PSS {memory.peak_total / 2**20:.0f} MiB")
        print(f"kernel key users before/after: {len(keys_before)}/{len(_key_users())} "
              f"(unchanged: {keys_before == _key_users()})")
        print(f"entries left in the batch's TMPDIR: {sorted(os.listdir(scratch))}")
        print("scores: " + ", ".join(f"{s}={v:g}" for s, v in sorted(batch.items())))


GRADER = [sys.executable, "-c", "from grader.cli import main; main()"]


def watch_latency(args: argparse.Namespace) -> None:
    from statistics import median

    from test_watch import Lines  # a child's stdout, waited on line by line with a deadline

    torch_s = import_torch_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "course"
        subprocess.run([*GRADER, "release", str(repo)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        student = repo / f"{args.assignment}.py"
        reference = (ROOT / "reference" / f"{args.assignment}.py").read_text()
        student.write_text(reference)
        cold = []
        for _ in range(args.cold):
            started = time.perf_counter()
            subprocess.run([*GRADER, "check", args.assignment], check=True, stdout=subprocess.DEVNULL, cwd=repo)
            cold.append(time.perf_counter() - started)
        proc = subprocess.Popen([*GRADER, "check", "--watch", args.assignment], cwd=repo, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"})
        out, latencies = Lines(proc), []
        try:
            out.until("Watching")
            time.sleep(1)  # the watcher registers just after it says so
            for i in range(args.saves):
                time.sleep(0.3)  # saves apart, as an editor makes them
                started = time.perf_counter()
                student.write_text(reference + f"# save {i}\n")
                verdict = out.until("public checks")[-1]
                latencies.append(time.perf_counter() - started)
                assert verdict == "All public checks pass.", verdict
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            out.close()
    print(f"import torch: {torch_s * 1000:.0f} ms (best of 3)")
    print(f"cold grader check {args.assignment} in a released repository: median {median(cold):.2f} s "
          f"of {args.cold} = {median(cold) / torch_s:.2f} x import torch")
    print(f"--watch, save -> verdict: median {median(latencies) * 1000:.0f} ms of {args.saves} saves "
          f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}) = "
          f"{median(latencies) / torch_s:.3f} x import torch (target < 0.2); exit code on Ctrl-C {proc.returncode}")


def similarity_batch(args: argparse.Namespace) -> None:
    """`grader similarity` over the synthetic class: wall and CPU time, peak memory, pairs."""
    import resource

    assignments = ["tensor_creation", "autograd_basics", "simple_net", "training_loop", "device_moves",
                   "gotchas", "xor"]
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        synthetic_class(subs, args.students, assignments)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", "similarity", str(subs),
                              "--out", str(Path(tmp) / "out")], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        pairs = sum(1 for _ in (Path(tmp) / "out" / "similarity.csv").open()) - 1
    print(run.stdout.strip())
    print(f"{args.students} students x {len(assignments)} assignments, {pairs} pairs: {wall:.1f} s wall, "
          f"{usage.ru_utime + usage.ru_stime:.1f} s CPU, peak {usage.ru_maxrss / 1024:.0f} MiB RSS")


def _grade_line(subs: Path, out: Path, jobs: int, assignment: str) -> tuple[float, str]:
    """Wall time of one `grader grade` and its "Re-graded ..." line."""
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "-j", str(jobs),
           "--assignment", assignment]
    started = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, next(line for line in done.stdout.splitlines() if line.startswith("Re-graded"))


def regrade(args: argparse.Namespace) -> None:
    jobs = args.jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        subs, out = make_class(Path(tmp) / "subs", args.students, [args.assignment]), Path(tmp) / "out"
        first, first_line = _grade_line(subs, out, jobs, args.assignment)
        changed = subs / "s000" / f"{args.assignment}.py"
        changed.write_text(changed.read_text() + "\n# edited after the deadline\n")
        again, again_line = _grade_line(subs, out, jobs, args.assignment)
        same, same_line = _grade_line(subs, out, jobs, args.assignment)
    print(f"first run, {args.students} x {args.assignment}, -j {jobs}: {first:6.1f} s  ({first_line})")
    print(f"after one file changed:          {again:6.1f} s = {again / first:.2f} x the first run "
          f"(target <= 0.4)  ({again_line})")
    print(f"nothing changed:                 {same:6.1f} s = {same / first:.2f} x  ({same_line})")


def pingpong(args: argparse.Namespace) -> None:
    """A socket round trip between two processes on two CPUs and on one: what CPU placement
    (grader/engine/placement.py) saves on each of a student's calls on this machine."""
    import socket

    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        raise SystemExit("pingpong needs Linux and two CPUs")
    for label, mine, theirs in (("two CPUs", cpus[0], cpus[1]), ("one CPU", cpus[0], cpus[0])):
        ours, peer = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the echo side: a worker
            ours.close()
            os.sched_setaffinity(0, {theirs})
            while data := peer.recv(4096):
                peer.send(data)
            os._exit(0)
        peer.close()
        saved = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {mine})
        message = b"x" * 300  # about one probe call
        before, started = os.times(), time.perf_counter()
        for _ in range(args.trips):
            ours.send(message)
            ours.recv(4096)
        wall = time.perf_counter() - started
        ours.close()
        os.waitpid(pid, 0)
        after = os.times()
        os.sched_setaffinity(0, saved)
        cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
        print(f"round trip, {label}: {wall / args.trips * 1e6:6.1f} us wall, {cpu / args.trips * 1e6:6.1f} us CPU "
              f"(both processes, {args.trips} trips)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what")
    p = sub.add_parser("overhead", help="marginal engine cost per submission")
    p.add_argument("--assignment", default="tensor_creation")
    p.add_argument("--repeats", type=int, default=2)
    p = sub.add_parser("speed", help="issue 20: marginal wall and CPU per submission at -j 1, cold check")
    p.add_argument("--assignment", default="tensor_creation")
    p.add_argument("--repeats", type=int, default=3)
    p = sub.add_parser("class", help="a synthetic class: engine vs checks' own work vs naive")
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--jobs", type=int, default=0, help="default: number of cores")
    p.add_argument("--naive-sample", type=int, default=0,
                   help="grade only this many students the naive way and extrapolate (default: all)")
    p = sub.add_parser("pingpong", help="a socket round trip on two CPUs and on one (CPU placement)")
    p.add_argument("--trips", type=int, default=20000)
    p = sub.add_parser("spawn", help="CPU per sandbox worker and per probe call")
    p.add_argument("--workers", type=int, default=40)
    p = sub.add_parser("dask", help="the same class on a 2-process Dask cluster and with -j 2")
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--assignment", nargs="+", default=["tensor_creation", "autograd_basics", "simple_net",
                                                        "training_loop", "device_moves", "gotchas"])
    p = sub.add_parser("hostile-batch", help="200 submissions, 20 hostile, -j 2")
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--hostile", type=int, default=20)
    sub.add_parser("attack-batch", help="issue 13's whole-class attacks next to honest students")
    p = sub.add_parser("watch", help="grader check: cold vs --watch save -> verdict, in a released repository")
    p.add_argument("--assignment", default="tensor_creation")
    p.add_argument("--saves", type=int, default=10)
    p.add_argument("--cold", type=int, default=3)
    p = sub.add_parser("similarity", help="grader similarity over the synthetic class")
    p.add_argument("--students", type=int, default=200)
    p = sub.add_parser("regrade", help="grade a class, then again after one file changed")
    p.add_argument("--students", type=int, default=12)
    p.add_argument("--assignment", default="xor")
    p.add_argument("--jobs", type=int, default=0, help="default: number of cores")
    args = parser.parse_args(sys.argv[1:] or ["overhead"])
    {"overhead": overhead, "speed": speed, "hostile-batch": hostile_batch, "class": class_benchmark, "spawn": spawn,
     "dask": dask_vs_local, "attack-batch": attack_batch,
     "watch": watch_latency, "similarity": similarity_batch, "regrade": regrade, "pingpong": pingpong}[args.what](args)


if __name__ == "__main__":
    main()
