"""Inside Gradescope's container: grade /autograder/submission, write /autograder/results/results.json.

The same code as `grade`: prepare() checks the graders and the data and isolates children (bubblewrap;
where the container refuses it, a uid of their own, see THREAT_MODEL.md), then one grading process
grades the submission. results.json has one test per hidden check, named by its Japanese title, with
the Japanese message as its output; never the graders' source.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from autograder.batch import grade_all
from autograder.collect import submission_in
from autograder.data import DataNotFound
from autograder.files import write_atomic
from autograder.faults import NOT_GRADED
from autograder.graders.results import StudentResult
from autograder.pipeline import prepare
from autograder.settings import UsageError


def results_json(result: StudentResult, seconds: float) -> dict:
    """Gradescope's results.json for one graded student."""
    tests = [{"name": c.title, "number": c.check, "score": c.points, "max_score": c.max_points,
              "status": "passed" if c.passed else "failed", "output": c.message, "visibility": "visible"}
             for c in result.checks]
    notes = "\n".join(result.notes)
    summary = f"合計 {result.total:g} / {result.max_total:g} 点"
    return {"score": result.total, "execution_time": round(seconds), "output": f"{summary}\n{notes}".strip(),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def failure_json(reason: str, seconds: float) -> dict:
    """When the submission could not be graded through no fault of its own (the grader cannot start, or
    a fault of the grader or the container): no score and no tests, so Gradescope shows the run as failed
    instead of a number, and the output says why."""
    return {"execution_time": round(seconds), "visibility": "visible", "stdout_visibility": "hidden",
            "output": f"{NOT_GRADED}\n担当の教員に連絡してください。(not graded: {reason})",
            "extra_data": {"not_graded": reason}}


def main(*, root: Path) -> int:
    start = time.monotonic()
    out = root / "results" / "results.json"
    try:
        submission = submission_in(root / "submission", "submission")
        setup = prepare(root / "source" / "data", allow_uid_only=True)
        [result] = grade_all([submission], setup, jobs=1)
    except (DataNotFound, UsageError, NotADirectoryError) as exc:
        write_atomic(out, json.dumps(failure_json(str(exc), time.monotonic() - start), ensure_ascii=False))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a fault of the grader: still a results.json that says so
        reason = f"the grader failed: {type(exc).__name__}: {exc}"[:300]
        write_atomic(out, json.dumps(failure_json(reason, time.monotonic() - start), ensure_ascii=False))
        print(f"error: {reason}", file=sys.stderr)
        return 2
    if not result.graded:
        write_atomic(out, json.dumps(failure_json(result.fault, time.monotonic() - start), ensure_ascii=False))
        print(f"error: not graded: {result.fault}", file=sys.stderr)
        return 1
    write_atomic(out, json.dumps(results_json(result, time.monotonic() - start), ensure_ascii=False, indent=1))
    print(f"graded: {result.total:g} / {result.max_total:g} -> {out}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    sys.exit(main(root=parser.parse_args().root))
