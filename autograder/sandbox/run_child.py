"""Run the child harness on one submission's definitions, under every limit, and never trust it."""
from __future__ import annotations

import contextlib
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

from autograder.sandbox.isolate import SANDBOX_ENV, python_in_sandbox, sandbox_command, staged
from autograder.sandbox.limits import kill_leftovers, preexec, sandbox_uid
from autograder.settings import Limits

HARNESS = Path(__file__).with_name("child.py")
PROBES = Path(__file__).parents[1] / "public_checks" / "function_probes.py"
"""02's probes, shared with the notebooks' check cells; the child loads them from its folder."""
WORKDIR_PREFIX = "sandbox-"


@dataclass
class ChildRun:
    """What happened to one sandboxed child process."""

    workdir: Path
    """The child's fresh working directory; artifacts are under workdir/out. Removed when run_child's block ends."""
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
    fault: str = ""
    """Why the run says nothing of the submission (autograder/faults.py): the system killed the child."""


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


@contextlib.contextmanager
def _workdir(job: dict, probe_inputs: dict, uid: int | None):
    """A fresh mode-700 folder with the harness and its inputs, owned by uid; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    try:
        shutil.copy(HARNESS, workdir / "child.py")
        shutil.copy(PROBES, workdir / "function_probes.py")
        (workdir / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        torch.save(probe_inputs, workdir / "probe_inputs.pt")
        (workdir / "out").mkdir()
        if uid is not None:
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, uid, uid)
        os.chmod(workdir, 0o700)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def run_child(job: dict, probe_inputs: dict, *, limits: Limits, isolate: bool = True, drop_uid: bool = False,
              neighbours: int = 1):
    """Run child.py on job in a fresh directory; yields the ChildRun, removes the directory afterwards.

    With isolate: inside bubblewrap (see isolate.py), as a sandbox uid of its own when we are root.
    With drop_uid alone: as that uid, without namespaces (root in a one-submission container).
    neighbours: grading processes side by side (limits.nproc_limit), when children share our uid.
    """
    uid = sandbox_uid(isolate or drop_uid)
    with _workdir(job, probe_inputs, uid) as workdir, staged(workdir, uid if isolate else None) as view:
        yield _run(workdir, limits, isolate, uid, view, neighbours)


def _start(workdir: Path, limits: Limits, isolate: bool, uid: int | None, view, neighbours: int) -> subprocess.Popen:
    common = dict(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                  start_new_session=True, close_fds=True)
    if not isolate:
        env = {**SANDBOX_ENV, "HOME": str(workdir), "TMPDIR": str(workdir)}
        return subprocess.Popen([sys.executable, "-I", "child.py"], cwd=workdir, env=env,
                                preexec_fn=preexec(limits, uid, neighbours=neighbours), **common)
    return subprocess.Popen(sandbox_command([python_in_sandbox(), "-I", "child.py"], view), cwd="/",
                            env={"PATH": "/usr/bin:/bin"}, preexec_fn=preexec(limits, uid, view.binds, neighbours), **common)


def _run(workdir: Path, limits: Limits, isolate: bool, uid: int | None, view, neighbours: int) -> ChildRun:
    start = time.monotonic()
    proc = _start(workdir, limits, isolate, uid, view, neighbours)
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
    if isolate and returncode is not None and returncode > 128:  # bwrap reports a signal as 128 + its number
        returncode = 128 - returncode
    seconds = time.monotonic() - start
    leftovers = kill_leftovers(proc.pid, uid)
    if isolate:  # its PID namespace ended with it; what was killed here is bwrap's own helpers
        leftovers = 0
    reader.join(timeout=5)
    if reader.exceeded:
        reason = f"出力が多すぎます (上限 {limits.output_kb} KB)"
    fault = ""
    if reason is None and returncode == -signal.SIGKILL:  # not our time-out nor our output cap: the system's OOM killer
        fault = "the operating system killed the sandboxed child (SIGKILL; out of memory?): lower --jobs"
    if reason is None and returncode not in (0, None):
        if returncode < 0:
            name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
            reason = f"プログラムが異常終了しました ({name})"
        else:
            reason = f"プログラムが終了コード {returncode} で止まりました"
    output = bytes(reader.head).decode("utf-8", errors="replace")
    return ChildRun(workdir, returncode, reason, output, seconds, leftovers, limits.memory_mb, fault)
