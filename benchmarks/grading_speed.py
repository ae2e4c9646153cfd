"""Whole-process seconds to grade one complete ex01 submission, beside the compute floor.

The floor is the FLOPs of the grader's own training and evaluation runs (counted by
torch.utils.flop_counter on the reference models) divided by this machine's matmul rate, measured
in the same run with the accuracy runs' thread count (short_run.ACCURACY_THREADS). Both are printed,
and their ratio. The batch's proof (autograder/proof.py) is remembered before the timed run, so the
figure is one student's.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/grading_speed.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.graders.short_run import ACCURACY_THREADS, RUNS, TEST_PER_CLASS  # noqa: E402
from solutions import BNNet, Net, VGG11  # noqa: E402

MODELS = {"Net": Net, "BNNet": BNNet, "VGG11": VGG11}


def run_flops(name: str) -> float:
    """FLOPs of the grader's short run of the reference model: training steps plus test evaluation."""
    cfg = RUNS[name]
    model = MODELS[name]()
    x, y = torch.randn(cfg.batch_size, 3, 32, 32), torch.randint(0, 10, (cfg.batch_size,))
    counter = FlopCounterMode(display=False)
    with counter:
        F.cross_entropy(model(x), y).backward()
    train = counter.get_total_flops() * cfg.steps
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.randn(100, 3, 32, 32))
    test = counter.get_total_flops() / 100 * TEST_PER_CLASS * 10
    return train + test


def matmul_rate(n: int = 2048, reps: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - start)


def main() -> int:
    torch.set_num_threads(ACCURACY_THREADS)
    flops = {name: run_flops(name) for name in MODELS}
    rate = matmul_rate()
    with tempfile.TemporaryDirectory() as tmp:
        student = Path(tmp) / "submitted" / "reference"
        shutil.copytree(REPO / "source" / "ex01", student)
        command = [sys.executable, "-m", "autograder", "grade", str(student.parent), "--out", str(Path(tmp) / "out"),
                   "--jobs", "1", "--no-accuracy-cache"]
        subprocess.run(command, cwd=REPO, capture_output=True, text=True)  # proves the set-up once, untimed
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        total = (Path(tmp) / "out" / "grades.csv").read_text().splitlines()[1].split(",")[-2:]
    rate_after = matmul_rate()
    floor = sum(flops.values()) / ((rate + rate_after) / 2)
    print(f"threads: {ACCURACY_THREADS}, matmul: {rate / 1e9:.0f} GFLOP/s before, {rate_after / 1e9:.0f} GFLOP/s after")
    for name, f in flops.items():
        print(f"  {name:6s} {RUNS[name].steps:4d} steps + test: {f / 1e12:6.2f} TFLOP")
    print(f"whole-process seconds for one submission ({'/'.join(total)} points): {seconds:.1f} s")
    print(f"compute floor: {floor:.1f} s  ->  ratio {seconds / floor:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
