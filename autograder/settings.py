"""Settings shared by the CLI verbs: [tool.kit] in pyproject.toml and the grading defaults."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "ex01"

# The names the notebooks ask for, and the notebook each one belongs to.
MODEL_NAMES = ("Net", "BNNet", "VGG11")
FUNCTION_NAMES = ("get_device", "train_one_epoch", "evaluate", "fit")
HOME_NOTEBOOK = {
    "Net": "01_tutorial",
    "get_device": "02_gpu",
    "train_one_epoch": "02_gpu",
    "evaluate": "02_gpu",
    "fit": "02_gpu",
    "BNNet": "03_batchnorm",
    "VGG11": "04_vgg11",
}


class UsageError(ValueError):
    """Bad arguments or a missing input: the command cannot start (message in English, for the instructor)."""


GRADING_MALLOC = "glibc.malloc.mmap_threshold=4194304:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2"
"""glibc's allocator in grading processes: a block of 4 MB or more (a batch's activations, a gradient) is
mapped on its own and given back when freed, with transparent huge pages where the kernel allows them,
so the peak is what a training run needs rather than what fragments of earlier runs hold. Measured by
benchmarks/short_run_memory.py: the three runs peak at 1,278 MB instead of 1,446 MB, and BNNet's and
VGG11's runs take longer (README). Other C libraries ignore it."""


def usable_cores() -> int:
    """CPUs this process may run on: its affinity mask (a Slurm allocation, a cpuset), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_job(jobs: int, cores: int | None = None) -> int:
    """Torch threads of each of `jobs` grading processes side by side: the cores shared out, at least one.

    CPU kernels sum in an order that depends on the thread count, so an accuracy can move in its last
    digits with it: the count is part of the accuracy cache's key, and `grade --threads N` pins it."""
    return max(1, (cores or usable_cores()) // max(1, jobs))


PLACEHOLDER_COLAB_REPO = "your-lab/b3-pytorch-exercises"
"""pyproject.toml's colab_repo as shipped: links made with it lead nowhere, so publish refuses it."""


def kit_settings() -> dict:
    """The [tool.kit] table of pyproject.toml."""
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["kit"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's sandboxed child process."""

    timeout_s: float = 120.0
    """Wall-clock seconds before the child is killed."""
    memory_mb: int = 8192
    """Address-space cap (RLIMIT_AS). Importing torch alone maps about 3.2 GB of it."""
    max_processes: int = 64
    """Processes and threads the child may run at once (RLIMIT_NPROC, enforced for a dropped user)."""
    output_kb: int = 1024
    """stdout + stderr bytes the child may print before it is killed."""
    file_mb: int = 1024
    """Largest file the child may write (RLIMIT_FSIZE); VGG11's weights take about 113 MB."""
    disk_mb: int = 512
    """Bytes the child may write in all. Isolated, its /sandbox is a tmpfs of this size (and /tmp, /var/tmp,
    /run, /dev/shm small ones of their own: sandbox.isolate.SMALL_TMPFS_MB); everywhere, the grader
    receives at most this much of its artifacts. Memory to set aside per job: batch.JOB_MEMORY."""


@dataclass(frozen=True)
class Budget:
    """What the grader itself may spend on one submission: its own trusted grading process (which
    parses the notebooks, loads the child's artifacts and trains the grader's runs), child included.

    A breach costs that submission only: the checks not yet done fail with the reason.
    """

    grade_timeout_s: float = 900.0
    """Wall-clock seconds of one submission's whole grading process (the reference takes 50 s)."""
    grade_memory_mb: int = 10240
    """Address space (RLIMIT_AS) of one submission's grading process (the reference peaks at 4.3 GB; torch maps 3.2 GB)."""
    run_tflop: float = 10.0
    """Most work one accuracy run may take, in TFLOP-equivalents (short_run.run_work: FLOPs plus 64 per
    element written), counted before the run: the same verdict on every machine. The references' runs
    need 0.27, 1.62 and 4.74."""
    train_s: float = 480.0
    """Wall-clock seconds one accuracy run may take before it counts as a fault of the machine (never the
    student's: its work was within run_tflop). VGG11's run takes about 90 s on one thread.
    Figures: benchmarks/grading_budget.py."""
