"""`python -m autograder doctor`: this machine's grading set-up, then the proof run on it.

The first thing to run when grades look wrong: it prints who grades, how student code is isolated and
why, the cores, threads and jobs, memory, the torch build, the data and the cache folder, then grades
the reference solutions and the blank release afresh in exactly that set-up (autograder/proof.py).
"""
from __future__ import annotations

import os
import pwd
import resource
import shutil
import sys
from pathlib import Path

from autograder.batch import default_jobs, open_cache
from autograder.data import cache_dir, layout, resolve_root
from autograder.pipeline import prepare
from autograder.proof import prove, torch_build
from autograder.settings import Budget, Limits, usable_cores


def _limit(which: int) -> str:
    soft, hard = resource.getrlimit(which)
    show = lambda v: "unlimited" if v == resource.RLIM_INFINITY else str(v)  # noqa: E731
    return f"{show(soft)} (hard {show(hard)})"


def main(*, data_root=None, jobs: int | None = None, threads: int | None = None, limits: Limits = Limits(),
         budget: Budget = Budget()) -> int:
    """Print the set-up and prove it; 0 when the proof passes, 2 when it does not."""
    jobs = jobs or default_jobs()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    print(f"user          {pwd.getpwuid(os.geteuid()).pw_name} (uid {os.geteuid()})")
    print(f"bubblewrap    {shutil.which('bwrap') or 'not installed'}")
    userns = Path("/proc/sys/user/max_user_namespaces")
    print(f"user ns       max_user_namespaces = {userns.read_text().strip() if userns.exists() else '?'}")
    print(f"cores         {usable_cores()} usable (affinity mask), {os.cpu_count()} on the machine")
    print(f"memory        {memory} MB physical; ulimit -v {_limit(resource.RLIMIT_AS)}, -u {_limit(resource.RLIMIT_NPROC)}")
    print(f"python        {sys.version.split()[0]} at {sys.executable}")
    print(f"torch         {torch_build()}")
    root = resolve_root(data_root)
    print(f"data          {root} ({layout(root) or 'not found'})")
    print(f"cache folder  {cache_dir()}")
    setup = prepare(data_root, limits, budget, jobs=jobs, threads=threads or 0)
    print(f"isolation     {setup.isolation}")
    print(f"jobs          {setup.jobs} grading processes, {setup.threads} torch threads each (accuracy runs: 1)")
    print("proving: grading the reference solutions and the blank release in this set-up ...", flush=True)
    proof = prove(setup, cache=open_cache(setup), reuse=False)
    if proof.passed:
        print(f"proof         passed: the references get full marks and the blank release zero (set-up {proof.fingerprint[:12]})")
        return 0
    print("proof         FAILED: nobody should be graded with this set-up until this is fixed:")
    for line in proof.problems:
        print(f"  {line}")
    return 2
