"""`python -m autograder doctor` prints the set-up and proves it afresh on the reference solutions."""
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def test_doctor_shows_the_set_up_and_proves_it(data_root):
    done = subprocess.run([sys.executable, "-m", "autograder", "doctor", "--data-root", str(data_root), "--jobs", "2"],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for line in ("user ", "bubblewrap ", "cores ", "memory ", "torch ", "data ", "cache folder ", "isolation ", "jobs "):
        assert any(out.startswith(line) for out in done.stdout.splitlines()), line
    assert "proof         passed" in done.stdout


def test_doctor_says_when_the_proof_fails(data_root):
    """One process per sandboxed child cannot even start bubblewrap: the doctor says so and exits 2."""
    done = subprocess.run([sys.executable, "-m", "autograder", "doctor", "--data-root", str(data_root), "--jobs", "1",
                           "--max-processes", "1"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "proof         FAILED" in done.stdout and "could not be graded in this set-up" in done.stdout
