"""A realistic class of 100 graded from an empty accuracy cache, with --jobs 1 and --jobs 2.

The class: 70 correct submissions in varied styles (the reference with every layer renamed its own
way, and the other styles of tests/test_styles.py), 25 with the lesson's typical mistakes (the demo's,
also renamed), and 5 broken ones (not JSON, empty, no notebook, a syntax error, cut short). Prints the
whole-batch seconds and the mean per student for each --jobs, and the peak resident memory of the
grading processes: the largest, and the mean of the first and the last ten (flat across the batch).

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/class_batch.py [--students 100]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import nbformat  # noqa: E402
import torch  # noqa: E402

from autograder.batch import grade_all  # noqa: E402
from autograder.collect import find_submissions  # noqa: E402
from autograder.demo import MISTAKES, apply_mistake  # noqa: E402
from autograder.pipeline import prepare  # noqa: E402
from autograder.settings import ASSIGNMENT, usable_cores  # noqa: E402

SOURCE = REPO / "source" / ASSIGNMENT
LAYER = re.compile(r"\bself\.((?:conv|bn_conv|bn_fc|fc|block)\w*)\b")


def renamed(folder: Path, tag: int) -> None:
    """Every layer attribute of every notebook gets a name of this student's own: the same computation."""
    for path in folder.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = LAYER.sub(lambda m: f"self.s{tag}_{m[1]}", cell.source)
        nbformat.write(nb, path)


def build_class(dest: Path, students: int) -> Path:
    from test_styles import IMPORTS, STYLES

    correct, mistakes = round(students * 0.70), round(students * 0.25)
    kinds = list(MISTAKES)
    for i in range(students):
        folder = dest / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        if i < correct and i % 7 == 6:  # another style altogether
            for stem, code in STYLES.items():
                nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(IMPORTS.strip()),
                                                     nbformat.v4.new_code_cell(code.strip())])
                nbformat.write(nb, folder / f"{stem}.ipynb")
            continue
        if i < correct + mistakes or i < correct:
            for nb in SOURCE.glob("*.ipynb"):
                shutil.copy(nb, folder / nb.name)
            if i >= correct:
                stem, cell_id, edits = MISTAKES[kinds[i % len(kinds)]]
                apply_mistake(folder, stem, cell_id, edits)
            renamed(folder, i)
            continue
        broken = i % 5
        if broken == 0:
            (folder / "01_tutorial.ipynb").write_text("not a notebook {")
        elif broken == 1:
            nbformat.write(nbformat.v4.new_notebook(), folder / "01_tutorial.ipynb")
        elif broken == 2:
            (folder / "answers.txt").write_text("forgot to download the notebook")
        elif broken == 3:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("class Net(:\n    pass")])
            nbformat.write(nb, folder / "01_tutorial.ipynb")
        else:
            (folder / "04_vgg11.ipynb").write_bytes((SOURCE / "04_vgg11.ipynb").read_bytes()[:3000])
    return dest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--uid-only", action="store_true",
                        help="as root where bubblewrap cannot run: children as a uid of their own (THREAT_MODEL.md)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subs = find_submissions(build_class(Path(tmp) / "class", args.students))
        base = prepare(None, allow_uid_only=args.uid_only)
        for jobs in args.jobs:
            setup = replace(base, cache_dir=Path(tmp) / f"cache-{jobs}", accuracy_cache=True)  # empty
            start = time.perf_counter()
            results = grade_all(subs, setup, jobs=jobs)
            seconds = time.perf_counter() - start
            rss = [r.usage.get("rss_mb", 0) for r in results]
            totals = sorted({r.total for r in results})
            print(json.dumps({"jobs": jobs, "threads_each": sorted({r.usage.get("threads") for r in results if r.usage}),
                              "cores": usable_cores(), "torch": torch.__version__,
                              "students": len(results), "seconds": round(seconds, 1),
                              "per_student_s": round(seconds / len(results), 2),
                              "distinct_runs": len(list(setup.cache_dir.glob("*.json"))),
                              "peak_rss_mb_max": max(rss), "peak_rss_mb_first10": round(sum(rss[:10]) / len(rss[:10])),
                              "peak_rss_mb_last10": round(sum(rss[-10:]) / len(rss[-10:])),
                              "child_peak_rss_mb_max": max(r.usage.get("child_rss_mb", 0) for r in results),
                              "totals_seen": totals}), flush=True)


if __name__ == "__main__":
    main()
