"""`python -m autograder grade SUBMITTED --out OUT`: grade a whole batch of submitted notebooks."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from tqdm import tqdm

from autograder.batch import default_jobs, grade_all
from autograder.collect import find_submissions
from autograder.data import cache_dir, ensure_available, resolve_root
from autograder.graders.short_run import grader_data
from autograder.pipeline import GradingSetup, StudentResult
from autograder.report import write_feedback, write_grades, write_report
from autograder.sandbox.limits import privilege_drop_works
from autograder.settings import Limits, UsageError


def prepare(data_root: str | Path | None, limits: Limits, hide: tuple[Path, ...] = (),
            accuracy_cache: bool = True) -> GradingSetup:
    """Check the data (DataNotFound if absent), decode the grader's subsets once, probe isolation."""
    root = resolve_root(data_root)
    ensure_available(root)
    grader_data(root)
    drop = privilege_drop_works()
    if not drop and os.geteuid() == 0:
        raise UsageError("running as root, but children cannot be isolated here (no namespaces, or the venv's "
                         "Python lives where other users cannot reach it): submissions would run as root")
    if not drop:
        print("note: children run as this user, without namespaces (see THREAT_MODEL.md)", file=sys.stderr)
    # Children cannot reach our cache folder only when they are isolated; otherwise keep results in memory.
    cache = cache_dir() / "accuracy" if drop and accuracy_cache else None
    return GradingSetup(root, limits, drop, tuple(Path(p) for p in hide), cache)


def main(*, submitted: Path, out: Path, data_root: str | Path | None = None, jobs: int | None = None,
         limits: Limits = Limits(), show_progress: bool = True, accuracy_cache: bool = True) -> list[StudentResult]:
    """Grade SUBMITTED/<student>/... and write grades.csv, grades.json, feedback/ and report.html to out."""
    subs = find_submissions(Path(submitted))
    if not subs:
        raise UsageError(f"no student folders or notebooks found in {submitted}")
    if Path(out).resolve().is_relative_to(Path(submitted).resolve()):
        raise UsageError("--out must not be inside the submission folder")
    out = Path(out)
    setup = prepare(data_root, limits, hide=(Path(submitted), out), accuracy_cache=accuracy_cache)
    out.mkdir(parents=True, exist_ok=True)  # made before any child starts, so that children never see it
    with tqdm(total=len(subs), file=sys.stderr, unit="人", disable=not show_progress, dynamic_ncols=True) as bar:
        results = grade_all(subs, setup, jobs=jobs or default_jobs(), progress=lambda r: bar.update(1))
    write_grades(results, out)
    write_feedback(results, out)
    write_report(results, out)
    return results
