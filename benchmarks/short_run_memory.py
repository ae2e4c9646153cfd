"""Resident memory of the grader's three short runs in one process, as a grading process does them.

Exports the reference models in a process of their own (torch.export is never loaded where the runs
are measured), then, for each allocator setting, starts a fresh process that loads the grader's
subsets and runs Net, BNNet and VGG11 in turn, printing after each step its resident memory (VmRSS),
the peak so far (VmHWM), the run's seconds and its accuracy.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/short_run_memory.py [--threads 2]

Settings: `grading` is what grading processes get (GLIBC_TUNABLES=autograder.settings.GRADING_MALLOC),
`arena2` the former setting (MALLOC_ARENA_MAX=2), `plain` glibc's defaults.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.settings import GRADING_MALLOC  # noqa: E402 - imports no torch before the worker's first figure

MODELS = ("Net", "BNNet", "VGG11")


def memory() -> str:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    rss, hwm = (int(status[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"resident {rss:5d} MB   peak {hwm:5d} MB"


def export(out: Path) -> None:
    import torch

    from autograder.sandbox import child
    from solutions import BNNet, Net, VGG11

    for name, factory in zip(MODELS, (Net, BNNet, VGG11)):
        assert child.export_model(factory, name, torch, out=str(out)).get("exported"), f"{name} did not export"


def worker(artifacts: Path, threads: int) -> None:
    print(f"  {'start':<28} {memory()}", flush=True)
    import torch

    from autograder.data import resolve_root
    from autograder.graders.graph_model import load_model
    from autograder.graders.short_run import RUNS, grader_data, short_run

    torch.set_num_threads(threads)
    print(f"  {'import torch ' + torch.__version__:<28} {memory()}", flush=True)
    root = resolve_root(None)
    for name in MODELS:
        model = load_model(artifacts / f"{name}.graph.json", artifacts / f"{name}.weights.pt")
        print(f"  {'load ' + name:<28} {memory()}", flush=True)
        start = time.perf_counter()
        accuracy = short_run(model, grader_data(root), RUNS[name])
        seconds = time.perf_counter() - start
        print(f"  {f'run {name} {seconds:5.1f} s {accuracy:.1f}%':<28} {memory()}", flush=True)
        del model


SETTINGS = {"grading": {"GLIBC_TUNABLES": GRADING_MALLOC}, "arena2": {"MALLOC_ARENA_MAX": "2"}, "plain": {}}


def main() -> None:
    settings = SETTINGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--settings", nargs="+", choices=settings, default=list(settings))
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                        f"from benchmarks.short_run_memory import export; from pathlib import Path; export(Path({tmp!r}))"],
                       check=True, cwd=REPO)
        for setting in args.settings:
            print(f"{setting}: {settings[setting] or 'glibc defaults'}", flush=True)
            env = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", "MALLOC_ARENA_MAX")}
            subprocess.run([sys.executable, __file__, "--worker", tmp, "--threads", str(args.threads)],
                           env={**env, **settings[setting]}, check=True, cwd=REPO)


if __name__ == "__main__":
    main()
