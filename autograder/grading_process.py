"""One submission's grading process: `python -m autograder.grading_process`, started by autograder.batch.

Trusted code, untrusted data: it parses the notebooks, starts the sandboxed child, loads what the
child wrote and trains the grader's own runs. It caps its own address space (Budget.grade_memory_mb);
the main process bounds its wall clock. It reads the job as JSON on stdin and reports on the
descriptor that was its stdout, one JSON object per line, each as soon as it is known; its own
stdout and stderr go to /dev/null, so that nothing else can mix into that channel.
"""
from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

MAX_JOB_BYTES = 64 * 2**20


def _usage(threads: int) -> dict:
    """For benchmarks: this process's peak resident (VmHWM) and virtual (VmPeak) memory, the peak resident
    memory of the largest process it waited for (the sandboxed child), in MB, and its torch threads.

    Not ru_maxrss for this process: Linux carries it over from the parent through fork and exec, so it
    would report the main process's size. The children's figure has that floor (this process's size when
    it started the child), which the child's own peak is well above."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)

    def mb(field: str) -> int:
        return int(status.get(field, "0 kB").split()[0]) // 1024

    return {"rss_mb": mb("VmHWM"), "vm_peak_mb": mb("VmPeak"),
            "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, "threads": threads}


def main() -> int:
    job = json.loads(sys.stdin.buffer.read(MAX_JOB_BYTES))
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def emit(kind: str, **data) -> None:
        channel.write(json.dumps({"kind": kind, **data}, ensure_ascii=True) + "\n")

    try:
        return _grade(job, emit)
    except MemoryError:
        emit("error", error="MemoryError")
        return 1
    except BaseException as exc:  # a fault of the grader or its machine: said once, never a deduction
        from autograder.text import exception_line

        emit("error", error=exception_line(exc, 200))
        return 1
    finally:
        channel.flush()


def _grade(job: dict, emit) -> int:
    from autograder.pipeline import GradingSetup

    setup = GradingSetup.from_json(job["setup"])
    memory = setup.budget.grade_memory_mb * 2**20
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY and hard < memory and os.geteuid() == 0:
        hard = memory  # root may raise its own hard limit; anyone else was refused by prepare() already
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard))

    import torch

    from autograder.collect import Submission
    from autograder.graders.accuracy_cache import AccuracyCache
    from autograder.pipeline import grade_submission
    from autograder.sandbox.limits import become_subreaper

    torch.set_num_threads(max(1, setup.threads))  # the batch's share of the cores (threads_per_job)
    torch.set_num_interop_threads(1)
    become_subreaper()
    sub = Submission(job["student"], tuple(Path(p) for p in job["notebooks"]), tuple(job["notes"]))
    cache = AccuracyCache(job["cache"], on_new=lambda key, accuracy: emit("cache", key=key, accuracy=accuracy))
    grade_submission(sub, setup, cache, emit)
    emit("stats", **_usage(torch.get_num_threads()))
    emit("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
