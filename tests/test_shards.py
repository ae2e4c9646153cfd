"""Array jobs: a stable split of the students, job scripts that read their scheduler's task index, and a
merge that writes exactly what one run would."""
import os
import subprocess
import sys

import pytest

from autograder.collect import Submission
from autograder.collect.shard import Shard
from autograder.settings import REPO, UsageError

IDS = [f"s{i:03d}" for i in range(200)] + ["田中", "=SUM(A1)", "bob#2"]


def test_every_student_falls_to_exactly_one_shard_the_same_way_each_time():
    shards = [Shard(k, 4) for k in range(1, 5)]
    owners = {s: [sh.k for sh in shards if sh.holds(s)] for s in IDS}
    assert all(len(ks) == 1 for ks in owners.values())
    assert owners == {s: [sh.k for sh in [Shard(k, 4) for k in range(1, 5)] if sh.holds(s)] for s in IDS}
    sizes = [sum(1 for ks in owners.values() if ks == [k]) for k in range(1, 5)]
    assert min(sizes) > 30, sizes  # a hash, not a block: every task gets a share
    subs = [Submission(s) for s in IDS]
    assert sorted(x.student for sh in shards for x in sh.pick(subs)) == sorted(IDS)


@pytest.mark.parametrize("bad", ["0/4", "5/4", "2", "a/b", "-1/3"])
def test_bad_shard_arguments_are_refused(bad):
    with pytest.raises(UsageError):
        Shard.parse(bad)


@pytest.mark.parametrize("script,env,expected,jobs", [
    ("slurm_array.sh", {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4",
                        "SLURM_CPUS_PER_TASK": "2"}, "3/4", "2"),
    ("slurm_array.sh", {"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2"}, "1/3", "1"),
    ("sge_array.sh", {"SGE_TASK_ID": "2", "SGE_TASK_FIRST": "1", "SGE_TASK_LAST": "5", "SGE_TASK_STEPSIZE": "1",
                      "NSLOTS": "4"}, "2/5", "4"),
])
def test_job_scripts_read_their_scheduler_task_index(script, env, expected, jobs, tmp_path):
    """The task's share of the students, and one grading process per allocated CPU with one thread each."""
    done = subprocess.run(["bash", str(REPO / "cluster" / script), "SUB", "OUT"], cwd=REPO, capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"], "KIT_PYTHON": "echo", **env}, timeout=30)
    assert done.returncode == 0, done.stderr
    k = expected.split("/")[0]
    assert done.stdout.split() == ["-m", "autograder", "grade", "SUB", "--out", f"OUT/shard-{k}", "--shard", expected,
                                   "--jobs", jobs, "--threads", "1"]


@pytest.mark.slow
@pytest.mark.realdata
def test_merged_shards_equal_one_run_byte_for_byte(tmp_path, data_root):
    from autograder.demo import build_examples

    submitted = build_examples(tmp_path / "sub")
    # Cheap: the blank release and empty folders, none training a model. tests/test_slurm.py merges a real
    # array job over all the demo's students.
    for student in ("reference", "four-poolings", "bn-missing", "does-not-learn", "wrong-flatten", "labels-not-moved"):
        subprocess.run(["rm", "-rf", str(submitted / student)], check=True)
    for i in range(3):  # more students than shards
        (submitted / f"empty-{i}").mkdir()

    def grade(*args):  # the one run and the two tasks side by side, as on a cluster
        return subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(submitted), "--data-root", str(data_root),
                                 "--jobs", "1", *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    runs = [grade("--out", str(tmp_path / "one"))]
    runs += [grade("--out", str(tmp_path / "out" / f"shard-{k}"), "--shard", f"{k}/2") for k in (1, 2)]
    for run in runs:
        _, err = run.communicate(timeout=900)
        assert run.returncode == 0, err.decode(errors="replace")[-2000:]
    merge = [sys.executable, "-m", "autograder", "merge", "--out", str(tmp_path / "out")]
    done = subprocess.run(merge + [str(tmp_path / "out" / f"shard-{k}") for k in (1, 2)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("grades.csv", "grades.json"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir()) == \
        sorted(p.name for p in (tmp_path / "one" / "feedback").iterdir())
    assert not (tmp_path / "out" / "PARTIAL.txt").exists()
    # a missing shard is named, in the output and the exit status, and nothing is written ...
    partial = [sys.executable, "-m", "autograder", "merge", "--out", str(tmp_path / "partial"), str(tmp_path / "out" / "shard-1")]
    done = subprocess.run(partial, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "missing or failed shards: 2/2" in done.stderr
    assert "nothing was written" in done.stderr and not (tmp_path / "partial").exists()
    # ... unless asked, and then marked partial
    done = subprocess.run(partial + ["--allow-partial"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "(PARTIAL)" in done.stdout
    assert "missing or failed shards: 2/2" in (tmp_path / "partial" / "PARTIAL.txt").read_text(encoding="utf-8")
    assert (tmp_path / "partial" / "grades.csv").exists()
