"""A batch that is interrupted or cannot write keeps what it finished, and a rerun resumes.

Real batches through `python -m autograder grade`: one uninterrupted, one stopped with SIGINT (Ctrl-C)
after its first student and then run again, one whose --out is a full disk (a small tmpfs, as root)
and then run again after space is freed. Resumed runs write the same files as the uninterrupted one.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.report.journal import JOURNAL
from autograder.settings import REPO

from conftest import processes_with
from corpus.build import build

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
STUDENTS = ["baseline-get-device-cpu-only", "baseline-reference-01", "baseline-tiny-wrong-net"]
OUTPUTS = ("grades.csv", "grades.json", "report.html")


@pytest.fixture(scope="module")
def submitted(tmp_path_factory, data_root):
    return build(tmp_path_factory.mktemp("submitted"), STUDENTS)


def grade(submitted: Path, out: Path, data_root: Path, *extra: str, wait: bool = True):
    cmd = [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out), "--jobs", "1",
           "--data-root", str(data_root), *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)


def files(out: Path) -> dict[str, bytes]:
    found = {name: (out / name).read_bytes() for name in OUTPUTS}
    return found | {f"feedback/{p.name}": p.read_bytes() for p in sorted((out / "feedback").glob("*.html"))}


def entries(out: Path) -> int:
    """Whole entries in the journal (a line torn by a full disk is not one)."""
    def whole(line: str) -> bool:
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False

    try:
        return sum(whole(line) for line in (out / JOURNAL).read_text(encoding="utf-8").splitlines())
    except FileNotFoundError:
        return 0


@pytest.fixture(scope="module")
def uninterrupted(submitted, tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("uninterrupted")
    done = grade(submitted, out, data_root)
    assert done.returncode == 0, done.stderr[-2000:]
    return files(out)


def test_ctrl_c_keeps_the_finished_students_and_a_rerun_resumes(submitted, uninterrupted, tmp_path, data_root):
    out = tmp_path / "out"
    proc = grade(submitted, out, data_root, wait=False)
    deadline = time.monotonic() + 600
    while entries(out) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert entries(out) == 1, "the first student was not journaled as it finished"
    stopped = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert time.monotonic() - stopped < 30, "the running grading process was not stopped at once"
    assert proc.returncode == 128 + signal.SIGINT, stderr[-2000:]
    assert "interrupted (SIGINT): 1 of 3" in stderr and "Traceback" not in stderr
    assert processes_with(b"autograder.grading_process") == [], "a grading process outlived the interrupted batch"
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1] == uninterrupted["grades.csv"].decode().splitlines()[1], "the finished student keeps its grade"
    assert all(",,,," in row for row in rows[2:]), "the rest are not graded, never zero"

    again = grade(submitted, out, data_root)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resuming: 1 of 3" in again.stderr
    assert entries(out) == 3, "the finished student was graded again"
    assert files(out) == uninterrupted

    regraded = grade(submitted, out, data_root, "--regrade")
    assert regraded.returncode == 0 and "resuming" not in regraded.stderr and entries(out) == 6
    assert files(out) == uninterrupted


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root)")
def test_a_full_out_disk_names_what_failed_and_a_rerun_resumes(submitted, uninterrupted, tmp_path, data_root):
    out = tmp_path / "full"
    out.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(out)], check=True)
    try:
        filler = out / "filler"
        with open(filler, "wb") as f:  # leave room for the journal's first entries, not for grades.json
            f.write(bytes(256 * 1024 - 12 * 1024))
        done = grade(submitted, out, data_root)
        assert done.returncode == 1, done.stderr[-2000:]
        assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
        assert "grades.json" in done.stderr
        kept = entries(out)
        assert 1 <= kept < 3, kept
        filler.unlink()
        again = grade(submitted, out, data_root)
        assert again.returncode == 0, again.stderr[-2000:]
        assert f"resuming: {kept} of 3" in again.stderr
        assert files(out) == uninterrupted
    finally:
        subprocess.run(["umount", str(out)], check=False)
