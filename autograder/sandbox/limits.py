"""How each limit of autograder.settings.Limits is enforced on the child (see THREAT_MODEL.md)."""
from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import signal
import time
from pathlib import Path

from autograder.settings import Limits

SANDBOX_UID_BASE = 61000
"""Children run as uid/gid SANDBOX_UID_BASE + k, one k per grading process, when the grader runs as root."""
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000


UID_LOCKS = "/run/lock/cifar-exercise-kit-uids"
"""Where grading processes running as root lock their sandbox uid: a fixed place on the machine (not the
cache folder, which XDG_CACHE_HOME, sudo -E or HOME move), so every grader on it sees every lock."""
NEIGHBOUR_TASKS = 96
"""Threads and processes set aside, without a uid of the child's own, for each grading process side by
side and its child (torch threads, bubblewrap, the child's own max_processes come on top)."""

_CLAIMED: list[tuple[int, int]] = []  # (uid, fd of its held lock)


def sandbox_uid(drop: bool = True) -> int | None:
    """This process's own unprivileged uid for its children, or None when it does not switch users.

    The first call locks the first free uid of SANDBOX_UID_BASE..+999 (an flock on a file in UID_LOCKS,
    one folder for the whole machine whatever the cache folder or user settings) for the rest of this
    process's life, so that two graders running at the same time never share a uid, and so never see
    or kill each other's children.
    """
    if not drop or os.geteuid() != 0:
        return None
    if not _CLAIMED:
        folder = Path(UID_LOCKS)
        folder.mkdir(parents=True, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != 0:
            raise RuntimeError(f"{folder} is not root's own folder: refusing to take sandbox uids from it")
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


def tasks_of_uid(uid: int) -> int:
    """Threads (tasks) of uid's live processes: what RLIMIT_NPROC counts, threads included."""
    total = 0
    for pid in pids_of_uid(uid):
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def nproc_limit(limits: Limits, uid: int | None, neighbours: int = 1) -> int:
    """RLIMIT_NPROC for a child. With a uid of its own the count starts from nothing: max_processes. As
    the grader's own user, the count is shared with everything that user runs (RLIMIT_NPROC counts
    threads too): what runs now, plus room for `neighbours` grading processes and their children
    starting threads meanwhile, so a busy many-core machine never starves an honest child."""
    if uid is not None:
        return limits.max_processes
    return limits.max_processes + tasks_of_uid(os.getuid()) + neighbours * (NEIGHBOUR_TASKS + limits.max_processes)


def hard_limit_problems(limits: Limits, budget, jobs: int) -> list[str]:
    """Why this user's hard limits cannot hold the grader's budgets (empty: they can). Root may raise its
    own hard limits; anyone else gets one line per limit, saying what to change."""
    if os.geteuid() == 0:
        return []
    problems = []
    needs = [(resource.RLIMIT_AS, "address space (ulimit -v)", max(limits.memory_mb, budget.grade_memory_mb) * 2**20,
              f"--memory-mb {limits.memory_mb} and --grade-memory-mb {budget.grade_memory_mb}"),
             (resource.RLIMIT_NPROC, "processes and threads (ulimit -u)", nproc_limit(limits, None, jobs),
              f"--max-processes {limits.max_processes} with --jobs {jobs}"),
             (resource.RLIMIT_FSIZE, "file size (ulimit -f)", limits.file_mb * 2**20, f"--file-mb {limits.file_mb}")]
    for which, what, need, settings in needs:
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY and hard < need:
            unit = 2**20 if which != resource.RLIMIT_NPROC else 1
            problems.append(f"the hard limit on {what} is {hard // unit}, below the {need // unit} that {settings} "
                            "need: raise it, or lower those settings")
    return problems


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


def drop_to(uid: int):
    """preexec step, as root: become uid/gid with no supplementary groups (before exec'ing bwrap)."""
    def apply() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return apply


def bind_privately(binds) -> None:
    """As root, in a mount namespace of our own (so nobody else sees them): bind each source onto its target."""
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            raise OSError(ctypes.get_errno(), f"{what} failed")

    check(libc.unshare(_CLONE_NEWNS), "unshare")
    check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    for source, target in binds:
        check(libc.mount(source.encode(), target.encode(), None, _MS_BIND | _MS_REC, None), f"binding {source}")


def preexec(limits: Limits, uid: int | None, binds=(), neighbours: int = 1):
    """The function run in the forked child just before exec: as root, the binds of the sandbox's view
    (isolate.staged) and the drop to uid; then the rlimits (nproc_limit for RLIMIT_NPROC)."""
    nproc = nproc_limit(limits, uid, neighbours)
    caps = {
        resource.RLIMIT_AS: limits.memory_mb * 2**20,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_FSIZE: limits.file_mb * 2**20,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 1024,
    }
    drop = drop_to(uid) if uid is not None else None
    binds = tuple(binds)

    def apply() -> None:
        if binds:
            bind_privately(binds)
        if drop:
            drop()
        for which, value in caps.items():
            resource.setrlimit(which, (value, value))
        # Last (a change of uid clears it): the child dies with its grading process, killed or not.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the forked child
    return apply


def kill_group(pgid: int) -> None:
    """SIGKILL a process group that may already be gone (a child's, a grading process's)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
