"""How each limit of autograder.settings.Limits is enforced on the child (see THREAT_MODEL.md)."""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from autograder.settings import Limits

SANDBOX_UID_BASE = 61000
"""Children of job slot k run as uid/gid SANDBOX_UID_BASE + k when the grader runs as root."""
_PR_SET_CHILD_SUBREAPER = 36


def sandbox_uid(slot: int, drop: bool = True) -> int | None:
    """The unprivileged uid for a job slot, or None when the grader does not switch users."""
    return SANDBOX_UID_BASE + slot if drop and os.geteuid() == 0 else None


def privilege_drop_works() -> bool:
    """Whether a child can run as an unprivileged uid here: we are root, and that uid can start
    this interpreter and import torch (a venv under /root, mode 700, cannot)."""
    if os.geteuid() != 0:
        return False
    uid = SANDBOX_UID_BASE + 999
    try:
        done = subprocess.run([sys.executable, "-I", "-c", "import torch"], cwd="/", user=uid, group=uid,
                              extra_groups=[], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def become_subreaper() -> None:
    """Orphans of our children (daemons, double forks) are re-parented to this process, so we can reap them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _processes_of(uid: int) -> int:
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nUid:\t{uid}\t" in status.read_text():
                count += 1
        except OSError:
            continue
    return count


def preexec(limits: Limits, dropped: bool):
    """The function run in the forked child just before exec (after the uid switch)."""
    # Without a user of its own, RLIMIT_NPROC counts all of our user's processes: add what already runs.
    nproc = limits.max_processes + (0 if dropped else _processes_of(os.getuid()))
    caps = {
        resource.RLIMIT_AS: limits.memory_mb * 2**20,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_FSIZE: limits.file_mb * 2**20,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 1024,
    }

    def apply() -> None:
        for which, value in caps.items():
            resource.setrlimit(which, (value, value))

    return apply


def _orphans_of(pid: int) -> list[int]:
    """Children of pid outside pid's own process group: sandbox children and daemons re-parented to us."""
    own_group = os.getpgid(0)
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and int(fields[2]) != own_group:
            found.append(int(stat.parent.name))
    return found


def _pids_of_uid(uid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nUid:\t{uid}\t" in status.read_text():
                found.append(int(status.parent.name))
        except (OSError, ValueError):
            continue
    return found


def kill_leftovers(pgid: int, uid: int | None) -> int:
    """Kill the child's process group, every process of its sandbox uid, and orphans re-parented to us.

    Returns how many processes were signalled. Loops until nothing is left, because a dying
    parent hands its own children over to us.
    """
    killed = 0
    try:
        os.killpg(pgid, signal.SIGKILL)
        killed += 1
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(50):
        pids = set(_orphans_of(os.getpid()))
        if uid is not None:
            pids |= set(_pids_of_uid(uid))
        pids.discard(os.getpid())
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        for pid in pids:  # reap our own zombies so they leave /proc
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
    return killed
