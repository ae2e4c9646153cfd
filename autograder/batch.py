"""Grade many submissions: each in a bounded grading process of its own, `jobs` at a time.

The main process never runs student code and never parses a notebook or a child's artifact: it
starts one grading process per submission (autograder/grading_process.py), reads the results it
streams, and builds each StudentResult from its own table of checks and points. A grading process
that runs out of time, memory or dies costs only its submission: the checks it had finished keep
their results, the others fail with the reason. Memory stays flat across a batch: every process
ends with its submission.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from autograder.collect import Submission
from autograder.faults import NOT_GRADED, machine_fault
from autograder.graders.accuracy_cache import AccuracyCache, load_folder, save_entry, valid_entry
from autograder.graders.plugin import all_checks
from autograder.graders.results import CheckResult, StudentResult
from autograder.pipeline import GradingSetup
from autograder.sandbox.isolate import SMALL_TMPFS_MB
from autograder.sandbox.limits import kill_group
from autograder.settings import GRADING_MALLOC, REPO, Limits, UsageError, threads_per_job, usable_cores
from autograder.text import clean_text, exception_line

MAX_CHANNEL_BYTES = 4 * 2**20
"""What one grading process may report; past it the rest is ignored."""
_STATS = ("rss_mb", "vm_peak_mb", "child_rss_mb", "threads")
"""What a grading process may say of itself (StudentResult.usage)."""
STAGES = {"extract": "ノートブックの読み取り", "sandbox": "提出コードの実行", "checks": "採点"}


class Interrupted(UsageError):
    """SIGINT or SIGTERM stopped the batch before anybody was graded."""


class Interrupt:
    """Ctrl-C or SIGTERM during a batch (see interruptible): which signal, and the grading processes to kill."""

    def __init__(self):
        self.event = threading.Event()
        self.signum = 0
        self.live: set[int] = set()

    def reset(self) -> None:
        self.event.clear()
        self.signum = 0

    def stop(self, signum: int) -> None:
        """Runs in the signal handler: no lock is taken (the main thread may be anywhere)."""
        self.signum = self.signum or signum
        self.event.set()
        for pid in list(self.live):
            kill_group(pid)

    @property
    def fault(self) -> str:
        name = signal.Signals(self.signum).name if self.signum else "stopped"
        return f"the batch was interrupted ({name}) before this submission finished: run the same command again to resume"


INTERRUPT = Interrupt()


@contextlib.contextmanager
def interruptible():
    """While the block runs, SIGINT (Ctrl-C) and SIGTERM stop the batch at once: every running grading
    process is killed (its sandboxed child dies with it), nothing new starts, and grade_all returns with
    those rows not graded, so the caller can write what finished. A second signal does the same again:
    nothing is left orphaned. Main thread only."""
    INTERRUPT.reset()
    previous = {s: signal.signal(s, lambda signum, frame: INTERRUPT.stop(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield INTERRUPT
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@dataclass
class _Heard:
    """What one grading process reported so far."""

    stage: str = ""
    checks: dict[str, tuple[bool, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    error: str = ""
    done: bool = False


def _listen(stream, heard: _Heard, cache: AccuracyCache, lock: threading.Lock) -> None:
    known = {cid for cid, _, _ in all_checks()}
    total = 0
    for line in stream:
        total += len(line)
        if total > MAX_CHANNEL_BYTES:
            break
        try:
            item = json.loads(line)
        except ValueError:
            continue
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "stage" and item.get("stage") in STAGES:
            heard.stage = item["stage"]
        elif kind == "check" and item.get("check") in known and isinstance(item.get("passed"), bool):
            fault = item.get("fault") if isinstance(item.get("fault"), str) else ""
            heard.checks[item["check"]] = (item["passed"] and not fault, clean_text(item.get("message", "")),
                                           clean_text(fault, 200))
        elif kind == "notes" and isinstance(item.get("notes"), list):
            heard.notes += [clean_text(n) for n in item["notes"][:50]]
        elif kind == "cache" and valid_entry(item.get("key"), item.get("accuracy")):
            with lock:
                cache.put(item["key"], item["accuracy"])
        elif kind == "stats":
            heard.stats = {k: v for k, v in item.items() if k in _STATS and type(v) is int}
        elif kind == "error" and isinstance(item.get("error"), str):
            heard.error = clean_text(item["error"], 200)
        elif kind == "done":
            heard.done = True
    for _ in stream:  # drain, so the process never blocks on a full pipe
        pass


def _result(sub: Submission, heard: _Heard, why: str | None, fault: str = "", isolation: str = "") -> StudentResult:
    """The StudentResult from what was heard; points from our own table, never from the process. With a
    fault (the grader's or the machine's, here or in any check), the row is not graded: no check earns
    anything."""
    checks = []
    for cid, title, points in all_checks():
        passed, message, check_fault = heard.checks.get(cid, (False, f"採点できませんでした: {why or '結果がありません'}", ""))
        checks.append(CheckResult(cid, title, points if passed else 0.0, points, passed, message, check_fault))
    notes = list(heard.notes)
    if why:
        notes.append(f"採点を最後まで行えませんでした: {why}")
    result = StudentResult(sub.student, checks, notes, complete=why is None, usage=heard.stats, fault=fault,
                           isolation=isolation)
    if result.fault:
        result.checks = [replace(c, points=0.0, passed=False, fault=c.fault or result.fault) for c in checks]
        result.notes.append(NOT_GRADED)
    return result


def _start() -> subprocess.Popen:
    # Passive OpenMP waits: a thread that has no work sleeps instead of spinning on a core another job needs.
    env = {**os.environ, "GLIBC_TUNABLES": GRADING_MALLOC, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.startswith("PYTEST_")}
    return subprocess.Popen([sys.executable, "-m", "autograder.grading_process"], cwd=REPO, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, text=True, encoding="utf-8", errors="replace")


def _why_unfinished(heard: _Heard, code: int | None, setup: GradingSetup) -> tuple[str, str]:
    """(Japanese reason, grader fault or ""). Running out of the grading process's own memory budget is
    the submission's (the budget is the same everywhere); an error of the grader, or a kill that was not
    ours, is the grader's or the machine's."""
    stage = STAGES.get(heard.stage, "採点の準備")
    if heard.error and heard.error != "MemoryError":
        return (f"{stage}中に採点プロセスでエラーが起きました ({heard.error})",
                machine_fault(heard.error) or f"the grading process failed: {heard.error}")
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return (f"{stage}中に採点プロセスが止まりました ({name})",
                f"the operating system stopped the grading process ({name}; out of memory?): lower --jobs")
    return (f"{stage}中に採点プロセスが異常終了しました (メモリ上限 {setup.budget.grade_memory_mb} MB を超えた可能性があります)",
            "")


def grade_one(sub: Submission, setup: GradingSetup, cache: AccuracyCache, lock: threading.Lock) -> StudentResult:
    """Grade sub in a grading process of its own, within setup.budget."""
    with lock:
        known = dict(cache.known) if setup.accuracy_cache else {}
    job = {"student": sub.student, "notebooks": [str(p) for p in sub.notebooks], "notes": list(sub.notes),
           "setup": setup.to_json(), "cache": known}
    proc = _start()
    INTERRUPT.live.add(proc.pid)
    if INTERRUPT.event.is_set():  # the signal came while it started
        kill_group(proc.pid)
    heard = _Heard()
    listener = threading.Thread(target=_listen, args=(proc.stdout, heard, cache, lock), daemon=True)
    listener.start()
    try:
        proc.stdin.write(json.dumps(job, ensure_ascii=True))
        proc.stdin.close()
    except OSError:
        pass
    why, fault = None, ""
    try:
        code = proc.wait(timeout=setup.budget.grade_timeout_s)
    except subprocess.TimeoutExpired:
        # The student's own code is bounded by the child's time limit and the grader's runs by their
        # work (Budget.run_tflop): running out of wall clock means a slow or busy machine.
        code = None
        why = f"{STAGES.get(heard.stage, '採点')}が時間上限 ({setup.budget.grade_timeout_s:g} 秒) を超えました"
        fault = (f"grading took longer than --grade-timeout-s ({setup.budget.grade_timeout_s:g} s) on this machine: "
                 "lower --jobs or raise the time-out")
    kill_group(proc.pid)
    INTERRUPT.live.discard(proc.pid)  # before the wait: until reaped, the pid cannot be anybody else's
    proc.wait()
    listener.join(timeout=30)
    if not heard.done and INTERRUPT.event.is_set():
        why, fault = "採点が途中で中断されました", INTERRUPT.fault
    elif why is None and not heard.done:
        why, fault = _why_unfinished(heard, code, setup)
    return _result(sub, heard, why, fault, setup.isolation)


def open_cache(setup: GradingSetup) -> AccuracyCache:
    """The batch's accuracy cache: the cache folder's entries, and new ones written there (when it has one).
    A folder that cannot be written (read-only, full, another owner) costs speed only: the batch goes on
    with the entries in memory, and says so once."""
    failed = []

    def save(key: str, accuracy: float) -> None:
        try:
            save_entry(setup.cache_dir, key, accuracy)
        except OSError as exc:
            if not failed:
                print(f"note: the accuracy cache {setup.cache_dir} cannot be written ({exc.strerror}): "
                      "this batch goes on without saving its training runs", file=sys.stderr)
            failed.append(key)

    return AccuracyCache(load_folder(setup.cache_dir) if setup.accuracy_cache else {},
                         on_new=save if setup.cache_dir else None)


def grade_all(subs: list[Submission], setup: GradingSetup, *, jobs: int, progress=None,
              cache: AccuracyCache | None = None) -> list[StudentResult]:
    """Every submission's result, in input order. progress(result) is called as each one finishes.

    Unless setup.threads pins it, each grading process gets its share of the cores (threads_per_job),
    so `jobs` processes side by side never run more threads than there are cores. cache: an accuracy
    cache to share (the proof's), else open_cache(setup)."""
    jobs = max(1, min(jobs, len(subs)))
    setup = replace(setup, threads=setup.threads or threads_per_job(jobs), jobs=max(jobs, setup.jobs))
    lock = threading.Lock()
    cache = cache if cache is not None else open_cache(setup)

    def attempt(sub: Submission, setup: GradingSetup) -> StudentResult:
        try:
            return grade_one(sub, setup, cache, lock)
        except Exception as exc:  # noqa: BLE001 - could not even start its grading process: that student only
            line = exception_line(exc, 120)
            return _result(sub, _Heard(), f"採点プロセスを起動できませんでした ({line})",
                           f"a grading process could not start ({line})", setup.isolation)

    def one(sub: Submission) -> StudentResult:
        if INTERRUPT.event.is_set():  # not started: not graded, and graded when the batch is run again
            result = _result(sub, _Heard(), "採点が途中で中断されました", INTERRUPT.fault, setup.isolation)
        else:
            result = attempt(sub, setup)
        if result.fault and not INTERRUPT.event.is_set():  # the grader's or the machine's: once more, with one thread, before saying "not graded"
            result = attempt(sub, replace(setup, threads=1))
        if progress:
            with lock:
                progress(result)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, subs))


JOB_MEMORY = 2 * 2**30 + (Limits().disk_mb + sum(SMALL_TMPFS_MB.values())) * 2**20
"""Memory to set aside for each grading process side by side: its own peak and its child's (each about
1 GB, at different times; benchmarks/class_batch.py prints both), plus the child's tmpfs at their caps."""


def default_jobs() -> int:
    """One grading process per usable core (a process's own work is mostly single-threaded: reading
    notebooks, starting the child, analysing graphs), as many as the machine's memory holds."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(1, min(usable_cores(), memory // JOB_MEMORY))
