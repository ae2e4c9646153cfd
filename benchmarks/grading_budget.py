"""How far an honest submission stays from the grader's per-submission budget (settings.Budget).

Prints, for the reference answers: each model's accuracy run in seconds beside Budget.train_s, and
one whole submission graded in its own grading process (wall seconds, peak resident and virtual
memory) beside Budget.grade_timeout_s and Budget.grade_memory_mb. Ratios are measured in the same run.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/grading_budget.py

Any interpreter with the kit's runtime packages will do; a venv with torch's CPU build (what the Gradescope
bundle's setup.sh installs) shows that build's memory, e.g. ``/tmp/cpu/bin/python benchmarks/grading_budget.py``.
"""
from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.batch import grade_all  # noqa: E402
from autograder.collect import find_submissions  # noqa: E402
from autograder.demo import build_examples  # noqa: E402
from autograder.graders.short_run import RUNS, grader_data, short_run  # noqa: E402
from autograder.pipeline import prepare  # noqa: E402
from solutions.export import export_trusted  # noqa: E402
from autograder.settings import Budget, threads_per_job  # noqa: E402
from solutions import BNNet, Net, VGG11  # noqa: E402


def main() -> None:
    budget = Budget()
    torch.set_num_threads(threads_per_job(1))
    setup = replace(prepare(None), cache_dir=None, accuracy_cache=False)
    data = grader_data(setup.data_root)
    print(f"accuracy runs ({threads_per_job(1)} threads), budget {budget.train_s:g} s each:")
    for cls in (Net, BNNet, VGG11):
        start = time.perf_counter()
        acc = short_run(export_trusted(cls, cls.__name__), data, RUNS[cls.__name__])
        seconds = time.perf_counter() - start
        print(f"  {cls.__name__:<6} {seconds:6.1f} s  ({acc:.1f}%)  budget / run = {budget.train_s / seconds:.1f}x")
    with tempfile.TemporaryDirectory() as tmp:
        subs = [s for s in find_submissions(build_examples(Path(tmp) / "sub")) if s.student == "reference"]
        start = time.perf_counter()
        [result] = grade_all(subs, setup, jobs=1)
        seconds = time.perf_counter() - start
    usage = result.usage
    print(f"one complete submission ({result.total:g}/{result.max_total:g}), in its grading process:")
    print(f"  wall {seconds:.1f} s          budget {budget.grade_timeout_s:g} s   ({budget.grade_timeout_s / seconds:.1f}x)")
    print(f"  peak virtual {usage.get('vm_peak_mb')} MB   budget {budget.grade_memory_mb} MB "
          f"({budget.grade_memory_mb / max(usage.get('vm_peak_mb', 1), 1):.2f}x)")
    print(f"  peak resident {usage.get('rss_mb')} MB (torch {torch.__version__}, {usage.get('threads')} threads); "
          f"its sandboxed child {usage.get('child_rss_mb')} MB")


if __name__ == "__main__":
    main()
