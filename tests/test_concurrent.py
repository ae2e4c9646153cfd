"""Two graders on one machine never touch each other's children, wherever their cache folders are.

Two batches run at once as root, each with a cache folder of its own (two TAs, `sudo -E`, a scratch
XDG_CACHE_HOME): the sandbox uids are locked machine-wide (limits.UID_LOCKS), so neither batch's clean-up
can kill the other's children. Each student's child sleeps while the other batch's children come and go,
and both classes get the totals a batch alone gives them.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.data import cache_dir
from autograder.sandbox.isolate import isolation_works
from autograder.sandbox.limits import sandbox_uid
from autograder.settings import REPO

from corpus.build import build, code_cell, one

pytestmark = [pytest.mark.slow, pytest.mark.realdata,
              pytest.mark.skipif(os.geteuid() != 0 or not isolation_works(sandbox_uid())[0],
                                 reason="sandbox uids are chosen only by graders running as root with bubblewrap")]
TOTALS = {"baseline-reference-01": 7, "baseline-get-device-cpu-only": 1, "slow-reference-01": 7}


def slow_reference(d):
    one(d, "01_tutorial", lambda nb: nb["cells"].append(code_cell("import time\ntime.sleep(6)  # children overlap")))


def test_two_batches_with_their_own_cache_folders_leave_each_other_alone(tmp_path, data_root):
    classes = {}
    for name in ("a", "b"):
        submitted = build(tmp_path / name / "submitted", ["baseline-reference-01", "baseline-get-device-cpu-only"])
        slow_reference(submitted / "slow-reference-01")
        cache = tmp_path / name / "cache" / "cifar-exercise-kit"
        for kept in ("accuracy", "proofs"):  # root's runs and proofs: only the grading itself is timed here
            if (cache_dir() / kept).is_dir():
                shutil.copytree(cache_dir() / kept, cache / kept)
        classes[name] = submitted
    running = {name: subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(tmp_path / name / "out"),
         "--jobs", "2", "--data-root", str(data_root)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / name / "cache")})
        for name, submitted in classes.items()}
    for name, proc in running.items():
        _, stderr = proc.communicate(timeout=1200)
        assert proc.returncode == 0, stderr[-2000:]
        grades = {g["student"]: g["total"] for g in json.loads((tmp_path / name / "out" / "grades.json").read_text())}
        assert grades == TOTALS, (name, grades)
