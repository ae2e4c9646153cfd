"""Calibrate the minimum-accuracy thresholds of the hidden graders.

For each model, the reference solution and a copy that cannot learn (its output multiplied by 0)
go through the grader's own short run under 20 seeds. Prints a markdown table; exits 1 if a
threshold does not separate the two.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/calibrate_thresholds.py
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.data import resolve_root  # noqa: E402
from autograder.graders.short_run import RUNS, grader_data, short_run  # noqa: E402
from solutions.export import export_trusted  # noqa: E402
from autograder.settings import threads_per_job  # noqa: E402
from solutions import BNNet, Net, VGG11  # noqa: E402

MODELS = {"Net": Net, "BNNet": BNNet, "VGG11": VGG11}


class CannotLearn(nn.Module):
    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x) * 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0:20", help="seed range start:stop (default 0:20, twenty seeds)")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    torch.set_num_threads(threads_per_job(1))
    data = grader_data(resolve_root(None))
    print("| model | steps | threshold | reference min / mean / max (%) | margin (pts) | cannot-learn max (%) |")
    print("|---|---|---|---|---|---|")
    ok = True
    for name in args.models:
        cfg = RUNS[name]
        ref, bad = [], []
        start, stop = (int(v) for v in args.seeds.split(":"))
        for seed in range(start, stop):
            ref.append(short_run(export_trusted(MODELS[name], name), data, cfg, seed))
            bad.append(short_run(export_trusted(lambda: CannotLearn(MODELS[name]()), name), data, cfg, seed))
            print(f"  {name} seed {seed}: reference {ref[-1]:.2f}%, cannot-learn {bad[-1]:.2f}%", file=sys.stderr)
        margin = min(ref) - cfg.threshold
        ok &= margin > 0 and max(bad) < cfg.threshold
        print(f"| {name} | {cfg.steps} | {cfg.threshold:g}% | {min(ref):.1f} / {statistics.mean(ref):.1f} / {max(ref):.1f} "
              f"| {margin:+.1f} | {max(bad):.1f} |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
