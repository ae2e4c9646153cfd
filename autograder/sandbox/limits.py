"""How each limit of autograder.settings.Limits is enforced on the child (see THREAT_MODEL.md)."""
from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.settings import REPO, Limits

SANDBOX_UID_BASE = 61000
"""Children run as uid/gid SANDBOX_UID_BASE + k, one k per grading process, when the grader runs as root."""
_PR_SET_CHILD_SUBREAPER = 36
_CLONE_NEWNS, _CLONE_NEWNET = 0x00020000, 0x40000000
_MS_REC, _MS_PRIVATE, _MS_NOSUID, _MS_NODEV, _MS_BIND = 0x4000, 0x40000, 0x2, 0x4, 0x1000


_CLAIMED: list[tuple[int, int]] = []  # (uid, fd of its held lock)


def sandbox_uid(drop: bool = True) -> int | None:
    """This process's own unprivileged uid for its children, or None when it does not switch users.

    The first call locks the first free uid of SANDBOX_UID_BASE..+999 (an flock on a file in the
    grader's private cache folder) for the rest of this process's life, so that two batches graded
    at the same time never share a uid, and so never see or kill each other's children.
    """
    if not drop or os.geteuid() != 0:
        return None
    if not _CLAIMED:
        from autograder.data import cache_dir

        folder = cache_dir() / "sandbox-uids"
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        for uid in range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + 1000):
            fd = os.open(folder / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            _CLAIMED.append((uid, fd))
            break
        else:
            raise RuntimeError("no free sandbox uid")
    return _CLAIMED[0][0]


def become_subreaper() -> None:
    """Orphans of our children (daemons, double forks) are re-parented to this process, so we can reap them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def pids_of_uid(uid: int) -> list[int]:
    """Live processes of uid (zombies are dead already and only wait for their parent to reap them)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nUid:\t{uid}\t" in text and "\nState:\tZ" not in text:
            found.append(int(status.parent.name))
    return found


# Top-level folders a child keeps: the operating system. Everything else (/work, /home, /root, /srv,
# /opt, /mnt, other checkouts of this kit, ...) is covered, and so is every folder in /tmp but its own.
SYSTEM_DIRS = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "tmp", "usr"}


def hidden_paths(extra: tuple[Path, ...] = (), keep: Path | None = None) -> list[str]:
    """Folders a child must not see: all but the operating system's top-level folders, every folder in
    the temp folder except keep (its own working directory), the kit's folders (the venv included) and extra."""
    tmp = Path(tempfile.gettempdir())
    paths = {p for p in Path("/").iterdir() if p.name not in SYSTEM_DIRS}
    paths |= {p for p in tmp.iterdir() if keep is None or p.resolve() != keep.resolve()}
    paths |= set(REPO.iterdir()) | {Path(p) for p in extra}
    # The venv may be covered too: the child reaches it through the bind mount made before the covering.
    found = {p.resolve() for p in paths if p.is_dir() and not p.is_symlink()}
    return sorted(str(p) for p in found if not any(q in p.parents for q in found))  # outermost only


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what} failed")


def _isolate(hidden: list[str], uid: int, venv_mount: str | None) -> None:
    """In the forked child, still root: own mount and network namespaces, the venv bound to venv_mount
    (reachable even when the checkout sits in a folder the sandbox uid cannot enter), hidden folders,
    then the sandbox uid."""
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET), "unshare")
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    if venv_mount:
        _check(libc.mount(sys.prefix.encode(), venv_mount.encode(), None, _MS_BIND | _MS_REC, None), "binding the venv")
    for path in hidden:
        _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=64k,mode=0555"),
               f"hiding {path}")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def venv_python(venv_mount: Path) -> str:
    """The venv's interpreter as the child sees it, through the bind mount made by _isolate."""
    return str(venv_mount / Path(sys.executable).relative_to(sys.prefix))


def preexec(limits: Limits, uid: int | None, hidden: list[str] = (), venv_mount: Path | None = None):
    """The function run in the forked child just before exec."""
    # Without a user of its own, RLIMIT_NPROC counts all of our user's processes: add what already runs.
    nproc = limits.max_processes + (0 if uid is not None else len(pids_of_uid(os.getuid())))
    caps = {
        resource.RLIMIT_AS: limits.memory_mb * 2**20,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_FSIZE: limits.file_mb * 2**20,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 1024,
    }
    hidden = list(hidden)

    def apply() -> None:
        if uid is not None:
            _isolate(hidden, uid, str(venv_mount) if venv_mount else None)
        for which, value in caps.items():
            resource.setrlimit(which, (value, value))

    return apply


def privilege_drop_works() -> bool:
    """Whether children can be isolated here: we are root, namespaces and mounts are allowed, and the
    sandbox uid can start this interpreter and import torch (a venv under /root, mode 700, cannot)."""
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        mount = Path(tmp) / "venv"
        mount.mkdir()
        try:
            done = subprocess.run([venv_python(mount), "-I", "-c", "import torch"], cwd=tmp, capture_output=True,
                                  timeout=120, preexec_fn=preexec(Limits(), sandbox_uid(), hidden_paths(keep=Path(tmp)),
                                                                  mount))
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


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
            pids |= set(pids_of_uid(uid))
        pids.discard(os.getpid())
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)
        for pid in pids:  # reap our own zombies so they leave /proc
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
    return killed
