"""`python -m autograder check NOTEBOOK ...`: grade one student's notebooks and print a table."""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from autograder.batch import grade_all, open_cache
from autograder.collect import Submission
from autograder.collect.find_submissions import refusal
from autograder.graders.results import StudentResult
from autograder.pipeline import prepare
from autograder.proof import require
from autograder.settings import Budget, Limits, UsageError
from autograder.text import clean_text


def table(result: StudentResult) -> str:
    """Plain text for a terminal: every value that came from the submission is cleaned (no control sequences)."""
    lines = []
    for c in result.checks:
        mark = "合格" if c.passed else "不合格"
        lines.append(f"{mark:　<3} {c.points:>3g}/{c.max_points:<3g} {c.title}")
        if not c.passed:
            lines.append(f"           {clean_text(c.message)}")
    lines += [f"注意: {clean_text(n)}" for n in result.notes]
    if result.graded:
        lines.append(f"合計 {result.total:g} / {result.max_total:g} 点")
    else:
        lines.append(f"合計: 採点できませんでした (not graded: {clean_text(result.fault)})")
    return "\n".join(lines)


HEARTBEAT_S = 10
"""Seconds between the progress lines that `check` prints to stderr while it works."""


@contextmanager
def progress(stage: str, stream=sys.stderr):
    """Print stage now and the seconds spent every HEARTBEAT_S until the block ends (stderr, not the table)."""
    print(f"{stage} ...", file=stream, flush=True)
    done, start = threading.Event(), time.monotonic()

    def beat():
        while not done.wait(HEARTBEAT_S):
            print(f"  ... {time.monotonic() - start:.0f} s", file=stream, flush=True)

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def main(*, notebooks: list[Path], data_root: str | Path | None = None, limits: Limits = Limits(),
         budget: Budget = Budget()) -> StudentResult:
    missing = [clean_text(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        raise UsageError(f"not a file: {', '.join(missing)}")
    others = [clean_text(p) for p in notebooks if not str(p).lower().endswith(".ipynb")]
    if others:
        raise UsageError(f"not a notebook (.ipynb): {', '.join(others)}")
    setup = prepare(data_root, limits, budget)
    cache = open_cache(setup)
    with progress("checking this machine with the reference solutions (minutes the first time, then seconds)"):
        require(setup, cache=cache)
    paths = tuple(sorted(Path(p) for p in notebooks))
    notes = tuple(why for p in paths if (why := refusal(p, p.lstat())))
    sub = Submission("you", tuple(p for p in paths if not refusal(p, p.lstat())), notes)
    with progress(f"grading {len(paths)} notebook(s): the sandboxed run, the checks and one short training run per model"):
        return grade_all([sub], setup, jobs=1, cache=cache)[0]
