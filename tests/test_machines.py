"""The same grade on every machine and for every user, or a refusal: the demo's submissions graded in a
matrix of set-ups (user, isolation, threads and jobs as on 2 and as on 16 cores) give the golden totals.

Every cell runs `python -m autograder grade` for real, from a world-readable throwaway copy of the
checkout, side by side two at a time. The cells without isolation cannot share the instructor's accuracy
cache (their children could write it), so they grade the demo students whose models are the
references' (the proof's runs serve them) rather than train the variants again.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.data import cache_dir
from autograder.demo import build_examples
from autograder.graders.short_run import grader_data
from autograder.sandbox.isolate import bwrap

from conftest import GOLDEN, copy_checkout

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

AS_ON_2_CORES = ()
AS_ON_16_CORES = ("--threads", "16", "--jobs", "3")
REFERENCE_MODELS_ONLY = ("reference", "blank-release", "labels-not-moved", "wrong-flatten")
CELLS = {  # name: (user, bubblewrap on PATH, grade arguments, students); the longest first
    "user-none-2": ("nobody", False, AS_ON_2_CORES, REFERENCE_MODELS_ONLY),
    "user-none-16": ("nobody", False, AS_ON_16_CORES, REFERENCE_MODELS_ONLY),
    "root-bwrap-16": ("root", True, AS_ON_16_CORES, None),
    "user-bwrap-2": ("nobody", True, AS_ON_2_CORES, None),
    "user-bwrap-16": ("nobody", True, AS_ON_16_CORES, None),
}
# root with bubblewrap, as on 2 cores, is the demo itself (test_demo.py); root in uid-only mode is
# Gradescope's run_autograder (test_gradescope.py): both compare with the same golden totals.


def golden_totals() -> dict[str, str]:
    return {row["student"]: row["total"] for row in csv.DictReader((GOLDEN / "demo_grades.csv").open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def world(data_root):
    if os.geteuid() != 0 or shutil.which("runuser") is None or bwrap() is None:
        pytest.skip("needs root (to become nobody), runuser and bubblewrap")
    probe = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", "import torch"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("nobody cannot start the venv's Python here (the checkout sits in a private folder)")
    folder = Path(tempfile.mkdtemp(prefix="kit-machines-"))
    os.chmod(folder, 0o755)
    kit = copy_checkout(folder / "kit")
    build_examples(folder / "submitted", course_dir=kit)
    grader_data(data_root)  # decoded once here; nobody gets a copy of the subsets and of root's accuracy cache
    for user_cache in ("cache-bwrap", "cache-none"):
        shutil.copytree(cache_dir() / "subsets", folder / user_cache / "cifar-exercise-kit" / "subsets")
    if (cache_dir() / "accuracy").is_dir():
        shutil.copytree(cache_dir() / "accuracy", folder / "cache-bwrap" / "cifar-exercise-kit" / "accuracy")
    (folder / "nobwrap-bin").mkdir()
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
    subprocess.run(["chown", "-R", "nobody", str(folder / "cache-bwrap"), str(folder / "cache-none")], check=True)
    yield folder, kit
    shutil.rmtree(folder, ignore_errors=True)


def grade_cell(world, data_root, name: str) -> tuple[subprocess.CompletedProcess, Path, list[str]]:
    folder, kit = world
    user, with_bwrap, args, students = CELLS[name]
    submitted = folder / "submitted"
    if students:
        submitted = folder / f"submitted-{name}"
        for student in students:
            shutil.copytree(folder / "submitted" / student, submitted / student)
        subprocess.run(["chmod", "-R", "a+rX", str(submitted)], check=True)
    out = folder / f"out-{name}"
    out.mkdir()
    if user != "root":
        shutil.chown(out, user)
    env = [f"PATH={os.environ['PATH'] if with_bwrap else folder / 'nobwrap-bin'}"]
    if user != "root":  # root keeps its own cache folder; nobody gets the copy made for it
        env += [f"HOME={folder}", f"XDG_CACHE_HOME={folder / ('cache-bwrap' if with_bwrap else 'cache-none')}"]
    command = ["env", *env, sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out),
               "--data-root", str(data_root), *args]
    if user != "root":
        command = ["runuser", "-u", user, "--", *command]
    start = time.monotonic()
    done = subprocess.run(command, cwd=kit, capture_output=True, text=True, errors="replace", timeout=1200)
    print(f"{name}: {time.monotonic() - start:.0f} s")
    return done, out, sorted(p.name for p in submitted.iterdir())


def test_every_set_up_gives_the_golden_totals_or_refuses(world, data_root):
    with ThreadPoolExecutor(2) as pool:
        cells = dict(zip(CELLS, pool.map(lambda name: grade_cell(world, data_root, name), CELLS)))
    golden = golden_totals()
    for name, (done, out, students) in cells.items():
        if (out / "grades.csv").exists():
            rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
            totals = ", ".join(f"{r['student']} {r['total']}" for r in rows)
            print(f"{name}: exit {done.returncode}, totals {totals}")
        if done.returncode != 0:  # a refusal is allowed, but then no number may have been written
            assert not (out / "grades.csv").exists(), (name, done.stderr[-1500:])
            pytest.fail(f"{name} refused to grade: {done.stderr[-1500:]}")
        got = {row["student"]: row["total"] for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
        assert got == {s: golden[s] for s in students}, (name, done.stderr[-1500:])
        isolation = {g["isolation"] for g in json.loads((out / "grades.json").read_text(encoding="utf-8"))}
        expected = "bubblewrap" if CELLS[name][1] else "none (bubblewrap (bwrap) is not installed)"
        assert isolation == {expected}, (name, isolation)
        if not CELLS[name][1]:
            assert "without isolation" in done.stderr, "a downgrade of isolation is said on the terminal"
