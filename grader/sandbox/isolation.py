"""The operating-system layers around a sandbox worker, each optional, each reported.

As root: fresh PID, network, mount and IPC namespaces (the PID namespace set up by the
fork server, the others entered by the worker itself or, as an ordinary user, by a supervisor, before
it forks the worker); in the worker, every top-level folder but the system's (/usr,
/lib, /bin, /etc, /dev, ...) hidden under empty tmpfs mounts, with the worker's own
scratch and Python's installation bound back (so the course, the grader's scratch and
outputs, other students, /tmp, home folders and any other copy of the course are gone), a
size-capped tmpfs as its working folder, a
fresh /proc, memory and pids cgroups, rlimits, Landlock over the same allowlist, then
a per-worker unprivileged uid with no_new_privs. As an ordinary user: a user namespace
provides what it can, and Landlock still applies where namespaces do not.
Whatever could not be applied is returned as text for the report.
"""
from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import time
from pathlib import Path

from grader.sandbox import landlock  # imported here: the worker cannot once the course is hidden
from grader.sandbox.libc import LINUX, libc
from grader.wire.spec import Limits, WorkerSpec

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
CGROUP_ROOT = Path("/sys/fs/cgroup")
# Everything at the top of the filesystem is hidden but the system's own folders: a copy
# of the course anywhere else (another checkout, a backup) must be out of reach too.
VISIBLE_TOP = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "etc", "dev", "proc", "sys"}
ALSO_HIDDEN = ("/dev/shm",)


def hidden_by_default() -> list[str]:
    """Every top-level folder outside VISIBLE_TOP (links like /lib -> usr/lib are left alone)."""
    return [f"/{name}" for name in sorted(os.listdir("/"))
            if name not in VISIBLE_TOP and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")] + list(ALSO_HIDDEN)



_PARENT_DEATH = [True]  # a spawned worker turns it off: see parent_death_signal


def parent_death_signal(on: bool) -> None:
    """Whether die_with_parent arms PR_SET_PDEATHSIG in this process. The signal follows the
    *thread* that started the process: a spawned worker, started from a grader thread that
    ends before it does, would be killed with that thread (it watches a lifeline instead)."""
    _PARENT_DEATH[0] = on


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies, so nothing outlives the grader (Linux only)."""
    if LINUX and _PARENT_DEATH[0]:
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _unshare(flags: int) -> bool:
    return libc().unshare(flags) == 0  # os.unshare is Python 3.12+


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if libc().mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def pid_namespace_for_children() -> bool:
    """In the fork server: put the next child in a new PID namespace, as its PID 1.

    unshare(CLONE_NEWPID) moves only the caller's children: the server stays where it is,
    and `own_pid_namespace_for_children` puts later children back in its namespace."""
    return _unshare(CLONE_NEWPID)


def own_pid_namespace_for_children(own: int) -> bool:
    """Children in the caller's own PID namespace again (`own`: a descriptor of it)."""
    return libc().setns(own, CLONE_NEWPID) == 0


NAMESPACES = {"pid": CLONE_NEWPID, "network": CLONE_NEWNET, "mount": CLONE_NEWNS, "ipc": CLONE_NEWIPC}


def enter_namespaces(names: tuple[str, ...] = tuple(NAMESPACES)) -> tuple[set[str], list[str]]:
    """New namespaces for the worker: in a supervisor, PID (for the worker to come), network,
    mount and IPC; in a worker the server forked itself, all but PID, which the server set up.

    The IPC namespace takes System V queues, semaphores and shared memory away with the
    worker: none outlives it or is seen by the next student. A spawned worker enters all
    but the PID namespace itself (that one holds only the children of the caller).
    """
    wanted = {name: NAMESPACES[name] for name in names}
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        if not _unshare(CLONE_NEWUSER):
            return set(), ["namespaces (not root, and user namespaces are disabled)"]
        # Root inside the user namespace: enough for mount, PID and network namespaces.
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    got = {name for name, flag in wanted.items() if _unshare(flag)}
    return got, [f"{name} namespace" for name in wanted if name not in got]


def _cgroup_v2() -> bool:
    return (CGROUP_ROOT / "cgroup.controllers").is_file()


def _cgroup_base(controller: str, v2: bool) -> Path:
    """Where the grader's cgroups of `controller` live: one tree in v2, one per controller in v1."""
    return CGROUP_ROOT / "grader" if v2 else CGROUP_ROOT / controller / "grader"


class Cgroups:
    """Per-worker memory and pids cgroups (v1 or v2), made before the worker drops root."""

    def __init__(self, name: str, memory_bytes: int, pids: int) -> None:
        self.dirs: dict[str, Path] = {}
        self.missing: list[str] = []
        v2 = self.v2 = _cgroup_v2()
        limits = {"memory": ("memory.max" if v2 else "memory.limit_in_bytes", memory_bytes),
                  "pids": ("pids.max", pids)}
        for controller, (knob, value) in limits.items():
            base = _cgroup_base(controller, v2)
            path = base / name
            try:
                base.mkdir(exist_ok=True)
                if v2:
                    (CGROUP_ROOT / "cgroup.subtree_control").write_text(f"+{controller}")
                    (base / "cgroup.subtree_control").write_text(f"+{controller}")
                made = path in self.dirs.values()  # v2: one cgroup for both controllers
                if path.is_dir() and not made:  # left by a server that was killed: its counts are not ours
                    path.rmdir()
                path.mkdir(exist_ok=made)
                (path / knob).write_text(str(value))
                self.dirs[controller] = path
            except OSError:
                self.missing.append(f"{controller} cgroup")
            if v2 and controller in self.dirs:
                self.dirs = {"v2": path}  # one cgroup holds both limits in v2

    @classmethod
    def made(cls, name: str) -> Cgroups:
        """The cgroups a worker made for itself under `name`, as its parent finds them after it ended."""
        found = cls.__new__(cls)
        found.v2, found.missing = _cgroup_v2(), []
        paths = {c: _cgroup_base(c, found.v2) / name for c in (("v2",) if found.v2 else ("memory", "pids"))}
        found.dirs = {c: path for c, path in paths.items() if path.is_dir()}
        return found

    def join(self) -> None:
        """Called by the worker itself, before it runs student code."""
        for path in set(self.dirs.values()):
            (path / "cgroup.procs").write_text("0")

    def hit_memory_limit(self) -> bool:
        """Whether the worker's memory cgroup counted an out-of-memory kill."""
        path = self.dirs.get("memory") or self.dirs.get("v2")
        if path is None:
            return False
        try:
            if self.v2:
                events = dict(line.split() for line in (path / "memory.events").read_text().splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            return int((path / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def remove(self) -> None:
        """Remove the worker's cgroups (after it ended)."""
        for path in set(self.dirs.values()):
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except OSError:  # its last task may still be exiting
                    time.sleep(0.01)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def hide_paths(hidden: list[str], keep: list[str]) -> None:
    """Cover each hidden folder with an empty tmpfs, binding back the kept folders inside it."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    done: list[str] = []
    for folder in sorted({os.path.realpath(h) for h in hidden}, key=len):
        if not os.path.isdir(folder) or any(_within(folder, d) for d in done):
            continue
        inner = [k for k in keep if _within(k, folder) and os.path.isdir(k)]
        fds = [(k, os.open(k, os.O_PATH | os.O_DIRECTORY)) for k in inner]
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        for k, fd in fds:
            os.makedirs(k, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", k, None, MS_BIND | MS_REC)
            os.close(fd)
        done.append(folder)


@functools.cache  # the fork server fills it once; every worker inherits the answer
def python_folders() -> list[str]:
    """Where the interpreter and its packages live: they stay visible to the worker."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    folders |= {p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p}
    return sorted(os.path.realpath(f) for f in folders)


def isolate_filesystem(spec: WorkerSpec, uid: int | None) -> list[str]:
    """In the worker, in its own mount namespace: hide, give it a capped work folder, a new /proc."""
    work = os.path.join(spec.scratch, "work")
    os.makedirs(work, exist_ok=True)
    keep = [os.path.realpath(spec.scratch)] + python_folders()
    hide_paths(hidden_by_default() + list(spec.hide), keep)
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={spec.limits.disk_mb}m,mode=700{owner}")
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        return ["private /proc"]
    return []


def confine(spec: WorkerSpec) -> list[str]:
    """In the worker, after the mounts: Landlock over the same allowlist the mount layer keeps.

    Read: the system's folders, Python's installation, the worker's own scratch (its
    source file). Write: its work folder, and existing device files (/dev/null).
    """
    work = os.path.join(spec.scratch, "work")
    rules = {f"/{name}": landlock.READ for name in sorted(VISIBLE_TOP)}
    rules.update({folder: landlock.READ for folder in python_folders()})
    rules.update({os.path.realpath(spec.scratch): landlock.READ, "/dev": landlock.DEVICES,
                  os.path.realpath(work): landlock.EVERYTHING})
    return landlock.restrict(rules)


def apply_rlimits(limits: Limits, memory_by_cgroup: bool) -> list[str]:
    """rlimits, set after the fork: torch's own mappings are already in place."""
    try:
        import resource  # POSIX only
    except ImportError:
        return ["rlimits (none on this platform)"]
    settings = {
        resource.RLIMIT_CPU: limits.cpu_seconds,
        resource.RLIMIT_FSIZE: max(limits.output_kb * 1024, 16 * 2**20),
        resource.RLIMIT_NOFILE: limits.open_files,
        resource.RLIMIT_CORE: 0,
    }
    if not memory_by_cgroup and LINUX:  # address space is a coarse stand-in for a memory cgroup
        settings[resource.RLIMIT_AS] = _vm_size() + limits.memory_mb * 2**20
    missing = [] if memory_by_cgroup or LINUX else ["memory limit (no address-space rlimit here)"]
    for which, value in settings.items():
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            missing.append(f"rlimit {which}")
    return missing


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def drop_privileges(uid: int | None, processes: int) -> list[str]:
    """Become an unprivileged user of our own (as root) and forbid regaining privileges."""
    missing = []
    if uid is not None and os.geteuid() == 0:
        try:
            import resource  # uid is set only as root, on POSIX

            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        except OSError:
            missing.append("unprivileged user")
    else:
        missing.append("unprivileged user (not root)")
    if LINUX:
        libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    die_with_parent()  # a change of credentials clears it
    return missing
