"""What one Gradescope run needs: wall-clock seconds and the peak memory of the whole process tree.

Builds the bundle, unpacks it into a temporary root as Gradescope does, and runs run_autograder on
the reference submission with an empty cache (a fresh container trains all three models), sampling
the summed resident memory of run_autograder and all its descendants every 0.1 s. The figures size
the container settings in the README (memory, CPUs, timeout).

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/gradescope_container.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from autograder.demo import build_examples  # noqa: E402
from test_gradescope import unpack  # noqa: E402


def tree_rss_mb(pid: int) -> float:
    """Summed VmRSS of pid and every descendant."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        p = int(status.parent.name)
        children.setdefault(int(fields["PPid"]), []).append(p)
        rss[p] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundle = tmp / "autograder.zip"
        subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(bundle)], cwd=REPO, check=True)
        root = tmp / "autograder"
        unpack(bundle, root)
        (root / "submission").mkdir()
        examples = build_examples(tmp / "examples")
        for nb in (examples / "reference" / "ex01").glob("*.ipynb"):
            (root / "submission" / nb.name).write_bytes(nb.read_bytes())
        env = {**os.environ, "GRADESCOPE_ROOT": str(root), "KIT_PYTHON": sys.executable,
               "XDG_CACHE_HOME": str(tmp / "cache")}  # empty accuracy cache, as in a fresh container
        env.pop("CIFAR10_ROOT", None)
        start = time.monotonic()
        proc = subprocess.Popen([str(root / "source" / "run_autograder")], env=env)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.1)
        seconds = time.monotonic() - start
        print(f"bundle {bundle.stat().st_size / 2**20:.0f} MB; run_autograder on the reference: exit {proc.returncode}, "
              f"{seconds:.1f} s, peak resident memory of the process tree {peak:.0f} MB ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
