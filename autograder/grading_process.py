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


def _usage() -> dict:
    """Peak resident and virtual memory of this process (MB), for benchmarks."""
    status = Path("/proc/self/status").read_text()
    peak = next((int(line.split()[1]) // 1024 for line in status.splitlines() if line.startswith("VmPeak:")), 0)
    return {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "vm_peak_mb": peak}


def main() -> int:
    job = json.loads(sys.stdin.buffer.read(MAX_JOB_BYTES))
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def emit(kind: str, **data) -> None:
        channel.write(json.dumps({"kind": kind, **data}, ensure_ascii=True) + "\n")

    from autograder.pipeline import GradingSetup

    setup = GradingSetup.from_json(job["setup"])
    memory = setup.budget.grade_memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    import torch

    from autograder.collect import Submission
    from autograder.graders.accuracy_cache import AccuracyCache
    from autograder.pipeline import grade_submission
    from autograder.sandbox.limits import become_subreaper
    from autograder.settings import GRADER_THREADS

    torch.set_num_threads(GRADER_THREADS)  # fixed, not derived from --jobs: grades never depend on it
    become_subreaper()
    sub = Submission(job["student"], tuple(Path(p) for p in job["notebooks"]), tuple(job["notes"]))
    cache = AccuracyCache(job["cache"], on_new=lambda key, accuracy: emit("cache", key=key, accuracy=accuracy))
    try:
        grade_submission(sub, setup, cache, emit)
    except MemoryError:
        emit("error", error="MemoryError")
        return 1
    except Exception as exc:  # a bug of the grader's: said once, costs this submission only
        from autograder.text import exception_line

        emit("error", error=exception_line(exc, 200))
        return 1
    emit("stats", **_usage())
    emit("done")
    channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
