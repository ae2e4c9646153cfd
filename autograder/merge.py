"""`python -m autograder merge OUT/shard-* --out OUT`: one batch's files from the shards of an array job.

Each `grade --shard K/N --out OUT/shard-K` writes shard.json beside its grades. Merge reads every
shard's grades.json back into results and writes grades.csv, grades.json, feedback/ and report.html
exactly as one run over all students would (grades.csv byte for byte). Shards that are missing or did
not finish are named in the output and in the exit status.
"""
from __future__ import annotations

import json
from pathlib import Path

from autograder.graders.results import StudentResult
from autograder.report import write_all
from autograder.settings import UsageError

SHARD_FILE = "shard.json"


def _read(folder: Path) -> tuple[dict, list[StudentResult]]:
    marker = json.loads((folder / SHARD_FILE).read_text(encoding="utf-8"))
    results = [StudentResult.from_dict(g) for g in json.loads((folder / "grades.json").read_text(encoding="utf-8"))]
    return marker, results


def main(*, shards: list[Path], out: Path) -> tuple[list[StudentResult], list[str]]:
    """Merged results, and a line for each problem (missing, unfinished or duplicate shards; unwritten rows)."""
    problems, results, seen, expected = [], [], {}, None
    for folder in sorted(shards):
        try:
            marker, found = _read(folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{folder}: not a finished shard ({type(exc).__name__})")
            continue
        k, n = marker.get("shard"), marker.get("of")
        if expected not in (None, n):
            raise UsageError(f"{folder} is shard {k}/{n}, but other shards are of {expected}")
        expected = n
        if k in seen:
            problems.append(f"{folder}: shard {k}/{n} again (also {seen[k]}); its students are left out")
            continue
        seen[k] = folder
        results += found
    if expected is None:
        raise UsageError("no finished shard among the folders given")
    missing = [f"{k}/{expected}" for k in range(1, expected + 1) if k not in seen]
    if missing:
        problems.append(f"missing or failed shards: {', '.join(missing)}")
    Path(out).mkdir(parents=True, exist_ok=True)
    problems += write_all(results, out)
    return results, problems
