"""A fault of the grader or its machine is never a deduction: it is attributed, retried once, and
otherwise the row says "not graded" with the reason, with no number anywhere (autograder/faults.py)."""
import csv
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from autograder import batch
from autograder.collect import Submission
from autograder.data import subset_file
from autograder.faults import GraderFault, fault_of, machine_fault
from autograder.graders.results import CheckFailed
from autograder.graders.short_run import TEST_PER_CLASS, TEST_SEED, TRAIN_PER_CLASS, TRAIN_SEED
from autograder.pipeline import GradingSetup
from autograder.report import write_grades
from autograder.sandbox import limits as sandbox_limits
from autograder.sandbox.isolate import isolation_works
from autograder.sandbox.limits import hard_limit_problems, nproc_limit, sandbox_uid
from autograder.settings import Budget, Limits

from conftest import REPO

ISOLATED = isolation_works(sandbox_uid())[0]


@pytest.mark.parametrize("text, cause", [
    ("train_one_epoch の実行中にエラー: RuntimeError: Resource temporarily unavailable", "EAGAIN"),
    ("BlockingIOError: [Errno 11] try again", "EAGAIN"),
    ("OSError: [Errno 28] No space left on device", "ENOSPC"),
    ("bwrap: Creating new namespace failed: Operation not permitted", "bubblewrap"),
    ("RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x400 and 256x120)", None),
    ("NotImplementedError: Net を完成させてください", None),
])
def test_machine_faults_are_told_from_the_students_errors(text, cause):
    found = machine_fault(text)
    assert (found is None) if cause is None else (cause in found), found


@pytest.mark.parametrize("exc, blamed_on_grader", [
    (CheckFailed("パラメータ数が違います"), False),
    (MemoryError(), False),
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 GB"), False),
    (GraderFault("no CIFAR-10 root"), True),
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), True),
    (KeyError("modules"), True),  # a bug of the grader's own code
])
def test_exceptions_of_trusted_code_are_attributed(exc, blamed_on_grader):
    assert bool(fault_of(exc)) is blamed_on_grader


def test_hard_limits_below_the_budgets_are_refused_with_what_to_change(monkeypatch):
    real = sandbox_limits.resource.getrlimit
    low = {sandbox_limits.resource.RLIMIT_AS: 4096 * 2**20, sandbox_limits.resource.RLIMIT_NPROC: 60}
    monkeypatch.setattr(sandbox_limits.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox_limits.resource, "getrlimit", lambda which: (low[which], low[which]) if which in low else real(which))
    problems = hard_limit_problems(Limits(), Budget(), jobs=3)
    assert len(problems) == 2
    assert "ulimit -v" in problems[0] and "4096" in problems[0] and "--grade-memory-mb 10240" in problems[0]
    assert "ulimit -u" in problems[1] and "--jobs 3" in problems[1]


def test_the_process_limit_counts_threads_and_neighbours():
    own = nproc_limit(Limits(max_processes=64), uid=61000)
    assert own == 64, "a uid of its own starts from nothing"
    shared = nproc_limit(Limits(max_processes=64), uid=None, neighbours=3)
    threads_now = sum(len(os.listdir(f"/proc/{pid}/task")) for pid in sandbox_limits.pids_of_uid(os.getuid()))
    assert shared >= 64 + threads_now + 3 * (sandbox_limits.NEIGHBOUR_TASKS + 64) - 8


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def _setup(data_root: Path) -> GradingSetup:
    return GradingSetup(data_root=data_root, isolate=ISOLATED, drop_uid=not ISOLATED and os.geteuid() == 0,
                        accuracy_cache=False)


@pytest.mark.slow
def test_a_machine_error_in_the_child_is_not_graded_never_a_deduction(tmp_path):
    notebook = _notebook(tmp_path / "02_gpu.ipynb", "import torch",
                         "def get_device():\n    raise BlockingIOError(11, 'Resource temporarily unavailable')")
    [result] = batch.grade_all([Submission("alice", (notebook,), ())], _setup(tmp_path), jobs=1)
    assert not result.graded and "EAGAIN" in result.fault
    assert all(not c.passed and c.points == 0 and c.fault for c in result.checks)
    write_grades([result], tmp_path)
    [row] = list(csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8")))
    assert row["total"] == "" and all(row[c.check] == "" for c in result.checks), "no number for a row not graded"
    [obj] = json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))
    assert obj["graded"] is False and obj["total"] is None and "EAGAIN" in obj["fault"]


@pytest.mark.slow
def test_the_data_removed_under_a_batch_is_the_graders_fault(tmp_path):
    """The grader's subsets lose a file after the batch started: the accuracy checks cannot be judged."""
    root = tmp_path / "data"
    train = subset_file(root, "train", TRAIN_PER_CLASS, TRAIN_SEED)
    train.parent.mkdir(parents=True)
    torch.save({"images": torch.zeros(64, 3, 32, 32, dtype=torch.uint8), "labels": torch.zeros(64, dtype=torch.int64)}, train)
    assert not subset_file(root, "test", TEST_PER_CLASS, TEST_SEED).exists()
    reference = Submission("bob", (REPO / "source" / "ex01" / "01_tutorial.ipynb",), ())
    [result] = batch.grade_all([reference], _setup(root), jobs=1)
    assert not result.graded and "data is missing" in result.fault, result.fault
    net = {c.check: c for c in result.checks}
    assert net["net.accuracy"].fault and net["net.params"].fault, "a row not graded has no points anywhere"
    assert result.total == 0


def test_a_row_not_graded_is_left_out_of_the_gradebook_and_named_with_its_cause():
    from autograder.grade import not_graded
    from autograder.graders.results import CheckResult, StudentResult

    fine = StudentResult("carol", [CheckResult("net.params", "t", 2, 2, True, "OK")])
    broken = StudentResult("dave", [CheckResult("net.params", "t", 0, 2, False, "…", "the disk is full (ENOSPC)")])
    assert fine.graded and not broken.graded and broken.fault == "the disk is full (ENOSPC)"
    assert not_graded([fine, broken]) == ["1 not graded: the disk is full (ENOSPC) (dave)"]


@pytest.mark.slow
@pytest.mark.realdata
def test_the_proof_stops_a_batch_whose_set_up_is_broken(tmp_path, data_root):
    """Break the set-up, not the reference: one process per child cannot even start the sandbox, so the
    references cannot be graded, and nobody is (exit 2, the reason, no grades.csv)."""
    (tmp_path / "sub" / "erin").mkdir(parents=True)
    _notebook(tmp_path / "sub" / "erin" / "01_tutorial.ipynb", "import torch")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"),
                           "--data-root", str(data_root), "--max-processes", "1", "--jobs", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "reference solutions could not be graded in this set-up" in done.stderr, done.stderr[-2000:]
    assert "doctor" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.slow
def test_a_full_disk_is_the_graders_fault(tmp_path, monkeypatch):
    """The grading process's temporary folder is an 8 KB tmpfs: the child's folder cannot be written."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(full)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        monkeypatch.setenv("TMPDIR", str(full))
        notebook = _notebook(tmp_path / "02_gpu.ipynb", "import torch", "def get_device():\n    return torch.device('cpu')")
        [result] = batch.grade_all([Submission("frank", (notebook,), ())], _setup(tmp_path), jobs=1)
    finally:
        subprocess.run(["umount", str(full)])
    assert not result.graded and "ENOSPC" in result.fault, result.fault


@pytest.mark.slow
def test_a_grading_process_killed_by_the_system_is_graded_again(tmp_path):
    """SIGKILL from outside (as the OOM killer sends it) on the first grading process: the submission is
    graded again and gets what it deserves; nothing is lost or deducted."""
    import threading
    import time

    notebook = _notebook(tmp_path / "02_gpu.ipynb", "import torch",
                         "def get_device():\n    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')")
    killed = []

    def kill_the_first_grading_process():
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    if b"autograder.grading_process" in cmdline.read_bytes():
                        os.kill(int(cmdline.parent.name), 9)
                        killed.append(int(cmdline.parent.name))
                        return
                except OSError:
                    continue
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_first_grading_process)
    killer.start()
    [result] = batch.grade_all([Submission("grace", (notebook,), ())], _setup(tmp_path), jobs=1)
    killer.join()
    assert killed, "the grading process was never seen"
    assert result.graded, result.fault
    checks = {c.check: c for c in result.checks}
    assert checks["get_device.cpu"].passed and checks["get_device.cuda"].passed


def test_a_cache_folder_that_cannot_be_written_costs_speed_only(tmp_path, capsys):
    """A file where the folder should be (as a read-only or full folder would): entries stay in memory."""
    blocked = tmp_path / "accuracy"
    blocked.write_text("not a folder")
    cache = batch.open_cache(GradingSetup(data_root=tmp_path, cache_dir=blocked))
    for key in ("a" * 64, "b" * 64):
        cache.put(key, 41.5)
    assert cache.get("a" * 64) == 41.5 and cache.get("b" * 64) == 41.5
    assert capsys.readouterr().err.count("cannot be written") == 1, "said once"
