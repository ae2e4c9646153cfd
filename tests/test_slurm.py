"""A real one-node Slurm cluster runs the repo's array script; merge gives the single-run grades.csv.

The fixture starts munged (as user munge) and slurmctld/slurmd as root from a slurm.conf of its own
(ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, this node's CPUs and memory), in a temporary
folder, and stops everything it started. Debian's slurmctld, slurmd, slurm-client and munge are
installed by `make slurm-tools` (run by .ci/run as root); without them, or without root, the test skips
(in CI, KIT_REQUIRE_DATA=1 turns the skip into a failure).
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
TASKS = 3


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "a one-node Slurm cluster is started as root"
    tools = [t for t in ("slurmctld", "slurmd", "sbatch", "squeue", "munged") if shutil.which(t) is None]
    return f"missing {', '.join(tools)} (make slurm-tools)" if tools else None


def _wait(condition, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("KIT_REQUIRE_DATA") == "1":
            pytest.fail(why)
        pytest.skip(why)
    base = tmp_path_factory.mktemp("slurm")
    host = socket.gethostname().split(".")[0]
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    for folder in ("state", "spool", "log"):
        (base / folder).mkdir()
    conf = base / "slurm.conf"
    conf.write_text(f"""ClusterName=kit
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation={base}/state
SlurmdSpoolDir={base}/spool
SlurmctldPidFile={base}/slurmctld.pid
SlurmdPidFile={base}/slurmd.pid
SlurmctldLogFile={base}/log/slurmctld.log
SlurmdLogFile={base}/log/slurmd.log
NodeName={host} CPUs={os.cpu_count()} RealMemory={memory_mb * 9 // 10} State=UNKNOWN
PartitionName=main Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    started = []
    munge_run = Path("/run/munge")
    munge_run.mkdir(exist_ok=True)
    munge = pwd.getpwnam("munge")
    os.chown(munge_run, munge.pw_uid, munge.pw_gid)
    munge_pid = munge_run / "munged.pid"  # the default socket beside it is what slurm's auth/munge uses
    subprocess.run(["runuser", "-u", "munge", "--", "munged", "--force", "--pid-file", str(munge_pid)], check=True, env=env)
    started.append(munge_pid)
    try:
        subprocess.run(["slurmctld", "-f", str(conf)], check=True, env=env)
        started.append(base / "slurmctld.pid")
        subprocess.run(["slurmd", "-f", str(conf)], check=True, env=env)
        started.append(base / "slurmd.pid")
        _wait(lambda: "idle" in subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True).stdout,
              60, "the node to come up idle")
        yield env, base
    finally:
        subprocess.run(["scancel", "--full", "-u", "root"], env=env, capture_output=True)
        for pidfile in reversed(started):
            try:
                os.kill(int(pidfile.read_text().split()[0]), 15)
            except (OSError, ValueError):
                pass
        time.sleep(1)


def test_array_job_and_merge_give_the_single_run_grades(slurm, demo_graded, tmp_path):
    env, base = slurm
    out_dir, _ = demo_graded
    out = tmp_path / "grades"
    done = subprocess.run(["sbatch", "--parsable", f"--array=1-{TASKS}", "--cpus-per-task=1", "--mem=6G",
                           f"--output={base}/log/task-%A_%a.out", "cluster/slurm_array.sh",
                           str(out_dir / "submitted"), str(out)], cwd=REPO, env={**env, "KIT_PYTHON": sys.executable},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    job = done.stdout.strip().split(";")[0]
    _wait(lambda: not subprocess.run(["squeue", "-h", "-j", job], env=env, capture_output=True, text=True).stdout.strip(),
          600, f"array job {job}")
    logs = "\n".join(p.read_text(errors="replace")[-500:] for p in sorted((base / "log").glob("task-*.out")))
    shards = sorted(out.glob("shard-*"))
    assert [s.name for s in shards] == [f"shard-{k}" for k in range(1, TASKS + 1)], logs
    done = subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, shards), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + logs
    assert (out / "grades.csv").read_bytes() == (out_dir / "grades" / "grades.csv").read_bytes()
