"""Isolation without root: the grader run by an ordinary user (nobody) isolates children with bubblewrap
in user namespaces, so the corpus entries that need isolation score exactly as they do under root.

Runs only as root (to become nobody) where nobody can start the venv's Python; everything it reads or
writes is a world-readable throwaway copy.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.data import cache_dir
from autograder.graders.short_run import grader_data
from autograder.sandbox.isolate import bwrap

from conftest import copy_checkout
from corpus.build import build
from test_corpus import EXPECTED, LIMITS

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
NEEDS_ISOLATION = ["import-reference-solutions", "read-hidden-graders", "fake-results-file", "leave-files-behind",
                   "snoop-on-other-children"]


def as_nobody(*cmd, **kwargs):
    return subprocess.run(["runuser", "-u", "nobody", "--", *cmd], capture_output=True, text=True, errors="replace",
                          **kwargs)


@pytest.fixture(scope="module")
def world():
    if os.geteuid() != 0 or shutil.which("runuser") is None or bwrap() is None:
        pytest.skip("needs root (to become nobody), runuser and bubblewrap")
    if as_nobody(sys.executable, "-c", "import torch", timeout=120).returncode != 0:
        pytest.skip("nobody cannot start the venv's Python here (the checkout sits in a private folder)")
    folder = Path(tempfile.mkdtemp(prefix="kit-unprivileged-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_isolation_entries_score_as_under_root_without_root(world, data_root):
    kit = copy_checkout(world / "kit")
    corpus = build(world / "corpus", names=NEEDS_ISOLATION, data_root=data_root)
    grader_data(data_root)  # decode the grader's subsets once, here, then lend them to nobody
    shutil.copytree(cache_dir() / "subsets", world / "cache" / "cifar-exercise-kit" / "subsets")
    if (cache_dir() / "accuracy").is_dir():  # root's training runs: nobody's proof need not repeat them
        shutil.copytree(cache_dir() / "accuracy", world / "cache" / "cifar-exercise-kit" / "accuracy")
    (world / "out").mkdir()
    subprocess.run(["chmod", "-R", "a+rX", str(world)], check=True)
    subprocess.run(["chown", "-R", "nobody", str(world / "out"), str(world / "cache")], check=True)
    done = as_nobody("env", f"HOME={world}", f"XDG_CACHE_HOME={world / 'cache'}", sys.executable, "-m", "autograder",
                     "grade", str(corpus), "--out", str(world / "out"), "--jobs", "2", "--timeout-s", str(LIMITS.timeout_s),
                     "--data-root", str(data_root), cwd=kit, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "without isolation" not in done.stderr, "an ordinary user must get the same isolation as root"
    results = {g["student"]: g for g in json.loads((world / "out" / "grades.json").read_text(encoding="utf-8"))}
    assert {e: results[e]["total"] for e in NEEDS_ISOLATION} == {e: EXPECTED[e][0] for e in NEEDS_ISOLATION}
