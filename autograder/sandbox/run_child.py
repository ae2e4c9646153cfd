"""Run the child harness on one submission's definitions, under every limit, and never trust it."""
from __future__ import annotations

import contextlib
import json
import os
import re
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

from autograder.sandbox.isolate import ARTIFACT_FD_ENV, SANDBOX_ENV, python_in_sandbox, sandbox_command, staged
from autograder.sandbox.limits import kill_group, kill_leftovers, preexec, sandbox_uid
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
    own_disk: bool = False
    """Whether everything the child could write was its own size-capped tmpfs (isolated): then a full
    disk in its errors is its own doing, not the machine's."""


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
                kill_group(self.proc.pid)


INPUTS = ("child.py", "function_probes.py", "job.json", "probe_inputs.pt")
"""The child's inputs, in workdir/in/."""
FRAME_MAGIC = b"ART1"
"""Each artifact the child streams: magic, name length (2 bytes), name, size (8 bytes), the bytes."""
ARTIFACT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,99}")


@contextlib.contextmanager
def _workdir(job: dict, probe_inputs: dict, uid: int | None):
    """A fresh folder, removed afterwards: in/ holds the harness and its inputs (uid's: a child without
    bubblewrap works there), out/ the artifacts the grader receives (ours alone, mode 700). As root the
    folder itself is ours with mode 711, so that uid reaches in/ but can neither list nor rename out/."""
    workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
    try:
        inputs = workdir / "in"
        inputs.mkdir()
        shutil.copy(HARNESS, inputs / "child.py")
        shutil.copy(PROBES, inputs / "function_probes.py")
        (inputs / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        torch.save(probe_inputs, inputs / "probe_inputs.pt")
        (workdir / "out").mkdir(mode=0o700)
        if uid is not None:
            for path in [inputs, *inputs.iterdir()]:
                os.chown(path, uid, uid)
        os.chmod(workdir, 0o711 if uid is not None else 0o700)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class _Artifacts(threading.Thread):
    """Receive the artifacts the child streams (child.publish) into out/: at most cap bytes in all, names
    from a short alphabet, written through a descriptor of out/ itself (no path the child could redirect).
    A frame that breaks the format or the cap stops the child: its own failure. A full disk here is the
    machine's (fault)."""

    def __init__(self, rfd: int, out: Path, cap: int, stop):
        super().__init__(daemon=True)
        self.rfd, self.out, self.cap, self.stop = rfd, out, cap, stop
        self.received, self.problem, self.fault = 0, "", ""

    def run(self) -> None:
        with os.fdopen(self.rfd, "rb") as stream:
            dir_fd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                while head := stream.read(6):
                    self._frame(stream, head, dir_fd)
            except _Broken as exc:
                self.problem = str(exc)
                self.stop()
            except OSError as exc:
                self.fault = f"artifacts could not be written to {self.out} ({exc.strerror}): free space in the temporary folder"
                self.stop()
            finally:
                os.close(dir_fd)
                while stream.read(2**20):  # drain: nothing it sends after this is kept
                    pass

    def _frame(self, stream, head: bytes, dir_fd: int) -> None:
        if len(head) < 6 or head[:4] != FRAME_MAGIC:
            raise _Broken("採点用の出力の形式が壊れています")
        raw = stream.read(int.from_bytes(head[4:], "big"))
        name = raw.decode("ascii", errors="replace")
        size = int.from_bytes(stream.read(8).rjust(8, b"\xff"), "big")
        if not ARTIFACT_NAME.fullmatch(name) or len(raw) != len(name):
            raise _Broken("採点用の出力の形式が壊れています")
        self.received += size
        if self.received > self.cap:
            raise _Broken(f"書き出したデータが多すぎます (上限 {self.cap // 2**20} MB)")
        part = f".{name}.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
        with os.fdopen(fd, "wb") as f:
            left = size
            while left:
                chunk = stream.read(min(left, 2**20))
                if not chunk:
                    raise _Broken("採点用の出力が途中で途切れました")
                f.write(chunk)
                left -= len(chunk)
        os.replace(part, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


class _Broken(Exception):
    """The child's artifact stream broke its format or its cap (Japanese, for the student)."""


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


def _start(workdir: Path, limits: Limits, isolate: bool, uid: int | None, view, neighbours: int,
           artifact_fd: int) -> subprocess.Popen:
    common = dict(stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                  start_new_session=True, close_fds=True, pass_fds=(artifact_fd,))
    if not isolate:
        inputs = workdir / "in"
        env = {**SANDBOX_ENV, "HOME": str(inputs), "TMPDIR": str(inputs), ARTIFACT_FD_ENV: str(artifact_fd)}
        return subprocess.Popen([sys.executable, "-I", "child.py"], cwd=inputs, env=env,
                                preexec_fn=preexec(limits, uid, neighbours=neighbours), **common)
    command = sandbox_command([python_in_sandbox(), "-I", "child.py"], view, disk_mb=limits.disk_mb,
                              inputs={name: f"in/{name}" for name in INPUTS}, artifact_fd=artifact_fd)
    return subprocess.Popen(command, cwd="/", env={"PATH": "/usr/bin:/bin"},
                            preexec_fn=preexec(limits, uid, view.binds, neighbours), **common)


def _run(workdir: Path, limits: Limits, isolate: bool, uid: int | None, view, neighbours: int) -> ChildRun:
    start = time.monotonic()
    rfd, wfd = os.pipe()
    try:
        proc = _start(workdir, limits, isolate, uid, view, neighbours, wfd)
    except BaseException:
        os.close(rfd)
        raise
    finally:
        os.close(wfd)  # the child holds the only writing end: end of stream when it and its own are gone
    artifacts = _Artifacts(rfd, workdir / "out", limits.disk_mb * 2**20, lambda: kill_group(proc.pid))
    artifacts.start()
    reader = _OutputCap(proc, limits.output_kb * 1024)
    reader.start()
    reason = None
    try:
        returncode = proc.wait(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
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
    artifacts.join(timeout=60)
    if reader.exceeded:
        reason = f"出力が多すぎます (上限 {limits.output_kb} KB)"
    elif artifacts.problem and reason is None:
        reason = artifacts.problem
    fault = artifacts.fault
    if reason is None and not fault and returncode == -signal.SIGKILL:  # not one of our caps: the system's OOM killer
        fault = "the operating system killed the sandboxed child (SIGKILL; out of memory?): lower --jobs"
    if reason is None and returncode not in (0, None):
        if returncode < 0:
            name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
            reason = f"プログラムが異常終了しました ({name})"
        else:
            reason = f"プログラムが終了コード {returncode} で止まりました"
    output = bytes(reader.head).decode("utf-8", errors="replace")
    if isolate and reason and returncode and "No space left on device" in output:  # its own tmpfs: its own doing
        reason = f"書き込める容量 (上限 {limits.disk_mb} MB) を使い切ったため止まりました"
    return ChildRun(workdir, returncode, reason, output, seconds, leftovers, limits.memory_mb, fault, own_disk=isolate)
