"""The child's view of the machine: an allow-list built by bubblewrap (bwrap), for root and ordinary users alike.

The child sees the operating system read-only (/usr and its /bin, /lib links, /etc), the venv
read-only at /venv, a read-only /dev, and /proc of its own. Everything it can write is a tmpfs of a
fixed size, counted in the memory set aside for it: /sandbox (Limits.disk_mb; its inputs are bound
into it read-only), and /tmp, /var/tmp, /run and /dev/shm (SMALL_TMPFS_MB each). Filling them fails
only its own writes; nothing it writes reaches the host's disk except the artifacts it streams to the
grader (run_child), which receives at most Limits.disk_mb. Nothing else exists for it: not the kit,
not other students' folders, not anything made after it started. It has its own user, PID, IPC, UTS,
cgroup and network namespaces (no network at all), no capabilities, and it dies with its parent.

As root, the grader first drops to a sandbox uid of its own (61000 + k) and runs bwrap as that uid;
as an ordinary user, bwrap runs as that user. Either way bwrap uses an unprivileged user namespace.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SANDBOX_DIR = "/sandbox"
VENV_DIR = "/venv"
SMALL_TMPFS_MB = {"/tmp": 64, "/var/tmp": 8, "/run": 8, "/dev/shm": 8}
"""The child's other writable places and their sizes (MB); /sandbox has Limits.disk_mb."""
ARTIFACT_FD_ENV = "ARTIFACT_FD"
"""The environment variable that tells the child harness which file descriptor streams its artifacts."""
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "HOME": SANDBOX_DIR, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}


def bwrap() -> str | None:
    return shutil.which("bwrap")


def python_in_sandbox() -> str:
    """The venv's interpreter as the child sees it."""
    return str(Path(VENV_DIR) / Path(sys.executable).relative_to(sys.prefix))


def _system_view() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    return args


@dataclass(frozen=True)
class View:
    """Where bwrap finds the folders it hands to the child, and the binds that put them there."""

    venv: Path
    work: Path
    base: Path | None = None
    """A Python installed outside /usr (pyenv, conda) that the venv points to; None under /usr."""
    binds: tuple[tuple[str, str], ...] = ()
    """(source, target) bind mounts the preexec step makes, as root, in the child's own mount namespace."""


@contextlib.contextmanager
def staged(workdir: Path, uid: int | None):
    """The View for a child. As an ordinary user, the real folders. As root, the venv and the working
    folder are bound (by limits.preexec, in the child's own mount namespace, before it drops to uid) under
    a fresh folder in /tmp, so that the sandbox uid reaches them wherever the checkout really sits (a
    clone inside a mode-700 folder included). The staging folder is removed afterwards."""
    base = None if Path(sys.base_prefix).is_relative_to("/usr") else Path(sys.base_prefix)
    if uid is None:
        yield View(Path(sys.prefix), workdir, base)
        return
    stage = Path(tempfile.mkdtemp(prefix="sandbox-stage-", dir="/tmp"))
    try:
        os.chmod(stage, 0o755)
        for sub in ("venv", "work", "base"):
            (stage / sub).mkdir(mode=0o755)
        binds = [(sys.prefix, stage / "venv"), (workdir, stage / "work")] + ([(base, stage / "base")] if base else [])
        yield View(stage / "venv", stage / "work", stage / "base" if base else None,
                   tuple((str(src), str(dst)) for src, dst in binds))
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def sandbox_command(argv: list[str], view: View, *, disk_mb: int, inputs: dict[str, str] | None = None,
                    artifact_fd: int | None = None) -> list[str]:
    """bwrap ... -- argv, for the folders of view. inputs: {name in /sandbox: its path under view.work},
    bound read-only into a /sandbox tmpfs of disk_mb; artifact_fd (inherited) is named to the child in
    its environment."""
    cmd = [bwrap() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--hostname", "sandbox", *_system_view(), "--proc", "/proc", "--dev", "/dev"]
    for place, mb in SMALL_TMPFS_MB.items():
        cmd += ["--size", str(mb * 2**20), "--tmpfs", place]
    cmd += ["--remount-ro", "/dev", "--ro-bind", str(view.venv), VENV_DIR,
            "--size", str(disk_mb * 2**20), "--tmpfs", SANDBOX_DIR]
    for name, path in (inputs or {}).items():
        cmd += ["--ro-bind", str(view.work / path), f"{SANDBOX_DIR}/{name}"]
    if view.base:
        cmd += ["--ro-bind", str(view.base), sys.base_prefix]
    cmd += ["--chdir", SANDBOX_DIR, "--clearenv"]
    env = {**SANDBOX_ENV, **({ARTIFACT_FD_ENV: str(artifact_fd)} if artifact_fd is not None else {})}
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return [*cmd, "--", *argv]


@functools.cache
def isolation_works(uid: int | None) -> tuple[bool, str]:
    """Whether a child can be isolated here (bwrap present, user namespaces allowed, torch importable
    inside), as uid when given; with a one-line reason when not."""
    if bwrap() is None:
        return False, "bubblewrap (bwrap) is not installed"
    from autograder.sandbox.limits import preexec
    from autograder.settings import Limits

    with tempfile.TemporaryDirectory() as tmp, staged(Path(tmp), uid) as view:
        if uid is not None:
            os.chown(tmp, uid, uid)
        try:
            done = subprocess.run(sandbox_command([python_in_sandbox(), "-I", "-c", "import torch"], view,
                                                  disk_mb=Limits().disk_mb),
                                  capture_output=True, timeout=180, preexec_fn=preexec(Limits(), uid, view.binds))
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"bwrap could not start ({type(exc).__name__})"
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return False, f"bwrap failed: {last[:200]}"
    return True, ""
