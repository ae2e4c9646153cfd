"""Run 02_gpu's timing cells (lesson 1's GPU demonstration) outside Jupyter and print what a student sees.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/notebook_timing.py
    ... benchmarks/notebook_timing.py --epoch-pass   # also: one bare pass over all 50,000 training images

The notebook's own cells run, with the reference answers and full settings (not KIT_FAST): images per
second for Net and WideNet at batch 4 and 128 on the CPU, and on the GPU where CUDA is available, then
the bare DataLoader pass. torch's thread count is the machine's default, as in Colab.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "source" / "ex01" / "02_gpu.ipynb"
CELLS = ("setup", "data", "get-device", "net", "timing-code", "timing")


def main() -> int:
    if not os.environ.get("CIFAR10_ROOT"):
        print("error: set CIFAR10_ROOT to the CIFAR-10 folder", file=sys.stderr)
        return 2
    os.environ.pop("KIT_FAST", None)
    os.environ.setdefault("MPLBACKEND", "Agg")
    cells = {c.get("id"): "".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]}
    namespace: dict = {"__name__": "__notebook__"}
    for cell in CELLS:
        exec(compile(cells[cell], f"02_gpu:{cell}", "exec"), namespace)  # the notebook's code, as Jupyter runs it
    import torch
    if "--epoch-pass" in sys.argv[1:]:
        for batch_size in (4, 128):  # the notebooks' loader: shuffled, num_workers=2
            loader = torch.utils.data.DataLoader(namespace["trainset"], batch_size=batch_size, shuffle=True, num_workers=2)
            start = time.perf_counter()
            for _ in loader:
                pass
            print(f"one pass over {len(namespace['trainset']):,} training images, batch {batch_size}, num_workers=2: "
                  f"{time.perf_counter() - start:.1f} s")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"CUDA: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
