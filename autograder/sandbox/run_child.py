"""Run the child harness on one submission's definitions, under every limit, and never trust it."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder.sandbox.limits import hidden_paths, kill_leftovers, preexec, sandbox_uid, venv_python
from autograder.settings import Limits

HARNESS = Path(__file__).with_name("child.py")
WORKDIR_PREFIX = "autograder-child-"


@dataclass
class ChildRun:
    """What happened to one sandboxed child process."""

    workdir: Path
    """The child's fresh working directory; artifacts are under workdir/out. Removed by cleanup()."""
    returncode: int | None
    """Exit status (negative: killed by that signal); None when the grader killed it."""
    reason: str | None
    """Japanese reason when the child was stopped or died: time-out, memory, output size, crash."""
    output: str
    """The first part of what the child printed (stdout and stderr together)."""
    seconds: float
    """Wall-clock seconds the child ran."""
    leftovers: int
    """Processes that were still alive afterwards and got killed."""
    memory_mb: int = 0
    """The memory cap it ran under, for messages."""

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


class _OutputCap(threading.Thread):
    """Drain the child's output, keep the head, and kill the child when it prints too much."""

    def __init__(self, proc: subprocess.Popen, cap: int):
        super().__init__(daemon=True)
        self.proc, self.cap, self.head, self.total, self.exceeded = proc, cap, bytearray(), 0, False

    def run(self) -> None:
        while chunk := self.proc.stdout.read1(65536):
            self.total += len(chunk)
            if len(self.head) < 8192:
                self.head += chunk[: 8192 - len(self.head)]
            if self.total > self.cap and not self.exceeded:
                self.exceeded = True
                _kill_group(self.proc.pid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _prepare(job: dict, probe_inputs: dict, uid: int | None) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    shutil.copy(HARNESS, workdir / "child.py")
    (workdir / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    torch.save(probe_inputs, workdir / "probe_inputs.pt")
    (workdir / "out").mkdir()
    (workdir / "venv").mkdir()  # where the child sees the venv (a bind mount, when isolated)
    if uid is not None:
        for path in [workdir, *workdir.rglob("*")]:
            os.chown(path, uid, uid)
    os.chmod(workdir, 0o700)
    return workdir


def run_child(job: dict, probe_inputs: dict, *, limits: Limits, drop: bool = True,
              hide: tuple[Path, ...] = ()) -> ChildRun:
    """Run child.py on job in a fresh directory.

    With drop (and root): as an unprivileged uid, in its own mount and network namespaces, with the
    kit's folders and hide (submissions, output) covered by empty tmpfs mounts.
    """
    uid = sandbox_uid(drop)
    workdir = _prepare(job, probe_inputs, uid)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}
    start = time.monotonic()
    proc = subprocess.Popen(
        [venv_python(workdir / "venv") if uid is not None else sys.executable, "-I", "child.py"], cwd=workdir, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, close_fds=True,
        preexec_fn=preexec(limits, uid, hidden_paths(hide, keep=workdir) if uid is not None else [], workdir / "venv"),
    )
    reader = _OutputCap(proc, limits.output_kb * 1024)
    reader.start()
    reason = None
    try:
        returncode = proc.wait(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.wait()
        returncode = None
        reason = f"時間切れ ({limits.timeout_s:g} 秒)"
    seconds = time.monotonic() - start
    leftovers = kill_leftovers(proc.pid, uid)
    reader.join(timeout=5)
    if reader.exceeded:
        reason = f"出力が多すぎます (上限 {limits.output_kb} KB)"
    elif reason is None and returncode not in (0, None):
        if returncode < 0:
            name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
            reason = f"プログラムが異常終了しました ({name})"
        else:
            reason = f"プログラムが終了コード {returncode} で止まりました"
    output = bytes(reader.head).decode("utf-8", errors="replace")
    return ChildRun(workdir, returncode, reason, output, seconds, leftovers, limits.memory_mb)
