"""`python -m autograder grade SUBMITTED --out OUT`: grade a whole batch of submitted notebooks."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tqdm import tqdm

from autograder.batch import INTERRUPT, Interrupted, default_jobs, grade_all, interruptible, open_cache
from autograder.collect import find_submissions
from autograder.collect.shard import Shard
from autograder.files import write_atomic
from autograder.graders.results import StudentResult
from autograder.pipeline import prepare
from autograder.proof import fingerprint, require
from autograder.report import write_all
from autograder.report.journal import Journal
from autograder.settings import Budget, Limits, UsageError
from autograder.text import clean_text


def main(*, submitted: Path, out: Path, data_root: str | Path | None = None, jobs: int | None = None,
         limits: Limits = Limits(), budget: Budget = Budget(), show_progress: bool = True,
         accuracy_cache: bool = True, shard: Shard | None = None, threads: int | None = None,
         regrade: bool = False) -> tuple[list[StudentResult], list[str]]:
    """Grade SUBMITTED/<student>/... and write grades.csv, grades.json, feedback/ and report.html to out.

    Each graded student is appended to out/journal.jsonl as it finishes; a rerun into the same out takes
    those students from there (unless regrade) when their notebooks and the set-up are unchanged. SIGINT
    or SIGTERM stops the batch at once: the files are written with the finished students, the others not
    graded (INTERRUPT.signum says which signal). With shard, only that task's stable share of the
    students, and a shard.json for `merge`. threads pins the torch threads of every grading process.
    Returns the results and the list of rows or files that could not be written (empty when all were).
    """
    subs = find_submissions(Path(submitted))
    if not subs:
        raise UsageError(f"no student folders or notebooks found in {submitted}")
    if shard:
        subs = shard.pick(subs)
    if Path(out).resolve().is_relative_to(Path(submitted).resolve()):
        raise UsageError("--out must not be inside the submission folder")
    out = Path(out)
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1, not {threads}")
    jobs = max(1, min(jobs or default_jobs(), len(subs)))
    with interruptible():
        setup = prepare(data_root, limits, budget, accuracy_cache=accuracy_cache, jobs=jobs, threads=threads or 0)
        cache = open_cache(setup)
        require(setup, cache=cache)  # the references full marks, the blank zero, in this very set-up: else nobody
        if INTERRUPT.event.is_set():
            raise Interrupted("interrupted before any student was graded")
        out.mkdir(parents=True, exist_ok=True)
        journal = Journal(out, fingerprint(setup))
        done = journal.finished(subs)  # also notes each submission's digest for its entry
        if regrade:
            done = {}
        if done:
            print(f"resuming: {len(done)} of {len(subs)} students were graded into {out} already "
                  "(--regrade grades them again)", file=sys.stderr)

        def finished(result: StudentResult) -> None:
            journal.add(result)
            bar.update(1)

        with tqdm(total=len(subs), initial=len(done), file=sys.stderr, unit="人", disable=not show_progress,
                  dynamic_ncols=True) as bar:
            new = grade_all([s for s in subs if s.student not in done], setup, jobs=jobs, progress=finished, cache=cache)
    by_student = {**done, **{r.student: r for r in new}}
    results = [by_student[s.student] for s in subs]
    unwritten = write_all(results, out) + ([f"journal: {journal.failed}"] if journal.failed else [])
    if shard and not INTERRUPT.event.is_set():  # written last: a shard without it did not finish
        try:
            write_atomic(out / "shard.json", json.dumps({"shard": shard.k, "of": shard.n, "students": len(results)}))
        except OSError as exc:
            unwritten.append(f"shard.json: {exc.strerror or exc}")
    return results, unwritten


def not_graded(results: list[StudentResult]) -> list[str]:
    """One line per cause of the rows that were not graded (the grader's or the machine's fault), naming
    the students: what the instructor must fix before grading them again."""
    causes: dict[str, list[str]] = {}
    for r in results:
        if not r.graded:
            causes.setdefault(r.fault, []).append(clean_text(r.student, 40))
    return [f"{len(who)} not graded: {cause} ({', '.join(who[:8])}{', ...' if len(who) > 8 else ''})"
            for cause, who in sorted(causes.items())]
