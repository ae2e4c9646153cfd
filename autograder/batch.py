"""Grade many submissions in trusted worker processes, one sandboxed child per submission.

Workers never run student code; they only parse notebooks, start sandboxed children and grade
artifacts. A worker that dies (say, the OS kills it) costs only the submission it was grading.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from autograder.collect import Submission
from autograder.graders.plugin import all_checks
from autograder.graders.results import CheckResult
from autograder.pipeline import GradingSetup, StudentResult, grade_submission
from autograder.settings import GRADER_THREADS

def _init_worker() -> None:
    # Workers report through their results only: keep their stray warnings off the progress bar.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import torch

    from autograder.sandbox.limits import become_subreaper

    torch.set_num_threads(GRADER_THREADS)  # fixed, not derived from --jobs: grades never depend on it
    become_subreaper()


def _grade(sub: Submission, setup: GradingSetup) -> StudentResult:
    return grade_submission(sub, setup)


def _crashed(sub: Submission, why: str) -> StudentResult:
    checks = [CheckResult(cid, title, 0.0, pts, False, f"採点できませんでした: {why}") for cid, title, pts in all_checks()]
    return StudentResult(sub.student, checks, [f"採点プロセスが異常終了しました ({why})。"])


def _pool(ctx, jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker)


def grade_all(subs: list[Submission], setup: GradingSetup, *, jobs: int, progress=None) -> list[StudentResult]:
    """Every submission's result, in input order. progress(result) is called as each one finishes.

    If a worker process dies, every submission it may have taken down is graded again alone, in a
    pool of its own, so only the submission that kills its worker twice is marked as crashed.
    """
    results: dict[int, StudentResult] = {}
    ctx = mp.get_context("spawn")

    def finish(i: int, result: StudentResult) -> None:
        results[i] = result
        if progress:
            progress(result)

    def run(indices: list[int], workers: int) -> list[int]:
        broken = []
        with _pool(ctx, workers) as pool:
            futures = {pool.submit(_grade, subs[i], setup): i for i in indices}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    finish(i, fut.result())
                except BrokenProcessPool:
                    broken.append(i)
                except Exception as exc:  # a bug in the grader itself: keep the batch going
                    finish(i, _crashed(subs[i], f"{type(exc).__name__}: {exc}"))
        return broken

    suspects = run(list(range(len(subs))), max(1, min(jobs, len(subs))))
    for i in sorted(suspects):
        if run([i], 1):
            finish(i, _crashed(subs[i], "worker process died"))
    return [results[i] for i in range(len(subs))]


def default_jobs() -> int:
    """One worker per GRADER_THREADS cores."""
    return max(1, (os.cpu_count() or 1) // GRADER_THREADS)
