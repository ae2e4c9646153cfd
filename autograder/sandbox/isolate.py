"""The child's view of the machine: an allow-list built by bubblewrap (bwrap), for root and ordinary users alike.

The child sees the operating system read-only (/usr and its /bin, /lib links, /etc), the venv
read-only at /venv, its own working directory at /sandbox, and a fresh /tmp, /dev (with /dev/shm)
and /proc of its own. Nothing else exists for it: not the kit, not other students' folders, not
anything made after it started. It has its own user, PID, IPC, UTS, cgroup and network namespaces
(no network at all), no capabilities, and it dies with its parent.

As root, the grader first drops to a sandbox uid of its own (61000 + k) and runs bwrap as that uid;
as an ordinary user, bwrap runs as that user. Either way bwrap uses an unprivileged user namespace.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SANDBOX_DIR = "/sandbox"
VENV_DIR = "/venv"
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


def open_dirs(workdir: Path) -> dict[str, int]:
    """O_PATH descriptors of the folders the child gets, opened by the grader (which can reach them
    even where the sandbox uid cannot). Pass them with pass_fds; close them after the child starts."""
    fds = {"workdir": os.open(workdir, os.O_PATH | os.O_DIRECTORY), "venv": os.open(sys.prefix, os.O_PATH | os.O_DIRECTORY)}
    base = Path(sys.base_prefix)
    if not base.is_relative_to("/usr"):  # a Python installed elsewhere (pyenv, conda): its own path, read-only
        fds["base"] = os.open(base, os.O_PATH | os.O_DIRECTORY)
    return fds


def sandbox_command(argv: list[str], fds: dict[str, int]) -> list[str]:
    """bwrap ... -- argv, with the folders of open_dirs()."""
    cmd = [bwrap() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--hostname", "sandbox", *_system_view(),
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run",
           "--ro-bind-fd", str(fds["venv"]), VENV_DIR, "--bind-fd", str(fds["workdir"]), SANDBOX_DIR]
    if "base" in fds:
        cmd += ["--ro-bind-fd", str(fds["base"]), sys.base_prefix]
    cmd += ["--chdir", SANDBOX_DIR, "--clearenv"]
    for key, value in SANDBOX_ENV.items():
        cmd += ["--setenv", key, value]
    return [*cmd, "--", *argv]


@functools.cache
def isolation_works(uid: int | None) -> tuple[bool, str]:
    """Whether a child can be isolated here (bwrap present, user namespaces allowed, torch importable
    inside), as uid when given; with a one-line reason when not."""
    if bwrap() is None:
        return False, "bubblewrap (bwrap) is not installed"
    from autograder.sandbox.limits import drop_to

    with tempfile.TemporaryDirectory() as tmp:
        if uid is not None:
            os.chown(tmp, uid, uid)
        fds = open_dirs(Path(tmp))
        try:
            done = subprocess.run(sandbox_command([python_in_sandbox(), "-I", "-c", "import torch"], fds),
                                  capture_output=True, timeout=180, pass_fds=tuple(fds.values()),
                                  preexec_fn=drop_to(uid) if uid is not None else None)
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"bwrap could not start ({type(exc).__name__})"
        finally:
            for fd in fds.values():
                os.close(fd)
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return False, f"bwrap failed: {last[:200]}"
    return True, ""
