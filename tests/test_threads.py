"""Threads follow the cores and --jobs: grading processes side by side never run more torch threads than
there are cores, and a pinned count wins."""
import os
from pathlib import Path

import pytest

from autograder import batch
from autograder.collect import Submission
from autograder.pipeline import GradingSetup
from autograder.settings import threads_per_job, usable_cores


@pytest.mark.parametrize("jobs, cores, threads", [(1, 4, 4), (2, 4, 2), (3, 4, 1), (8, 4, 1), (1, 1, 1), (0, 2, 2)])
def test_the_cores_are_shared_out_among_the_jobs(jobs, cores, threads):
    assert threads_per_job(jobs, cores) == threads
    assert jobs * threads <= max(cores, jobs), "never more threads than cores, but one per job at least"


def test_cores_come_from_the_affinity_mask():
    assert usable_cores() == len(os.sched_getaffinity(0))


def test_default_jobs_fit_the_cores_and_the_memory():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 1 <= batch.default_jobs() <= usable_cores()
    assert batch.default_jobs() <= max(1, memory // batch.JOB_MEMORY)


def resident_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) // 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


@pytest.mark.slow
def test_each_grading_process_runs_its_share_of_the_cores(tmp_path, monkeypatch):
    """Real grading processes (no notebooks, so no child and no training) report their torch threads,
    and their own peak memory, not the figure Linux carries over from this (large) process."""
    monkeypatch.setattr(batch, "threads_per_job", lambda jobs: threads_per_job(jobs, cores=4))
    subs = [Submission(f"s{i}", (), ()) for i in range(2)]
    setup = GradingSetup(data_root=tmp_path, isolate=False, accuracy_cache=False)
    ballast = bytearray(1500 * 2**20)  # this process: well above what an empty grading process holds
    ballast[::4096] = b"x" * len(ballast[::4096])
    parent = resident_mb()
    shared = batch.grade_all(subs, setup, jobs=2)
    del ballast
    assert [r.usage.get("threads") for r in shared] == [2, 2], [r.usage for r in shared]
    assert all(0 < r.usage["rss_mb"] < parent - 500 for r in shared), (parent, [r.usage for r in shared])
    alone = batch.grade_all(subs[:1], setup, jobs=2)  # one submission: one job, so it gets all four
    assert alone[0].usage.get("threads") == 4
    pinned = batch.grade_all(subs, GradingSetup(data_root=tmp_path, isolate=False, accuracy_cache=False, threads=3), jobs=2)
    assert [r.usage.get("threads") for r in pinned] == [3, 3]


def test_a_thread_count_below_one_is_refused(tmp_path):
    from autograder import grade
    from autograder.settings import UsageError

    (tmp_path / "sub" / "alice").mkdir(parents=True)
    (tmp_path / "sub" / "alice" / "01_tutorial.ipynb").write_text("{}")
    with pytest.raises(UsageError, match="--threads"):
        grade.main(submitted=tmp_path / "sub", out=tmp_path / "out", threads=0, show_progress=False)
