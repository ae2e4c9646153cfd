"""`python -m autograder merge OUT/shard-* --out OUT`: one batch's files from the shards of an array job.

Each `grade --shard K/N --out OUT/shard-K` writes shard.json beside its grades. Merge reads every
shard's grades.json back into results and writes grades.csv, grades.json, feedback/ and report.html
exactly as one run over all students would (grades.csv byte for byte). Shards that are missing or did
not finish are named in the output and in the exit status, and then nothing is written, so no class
list with students missing is uploaded by mistake; `--allow-partial` writes the finished shards'
students with PARTIAL.txt beside them, naming what is missing.
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


PARTIAL_FILE = "PARTIAL.txt"
"""Written beside the grades of a merge with --allow-partial that lacked shards; lists the problems."""


def main(*, shards: list[Path], out: Path, allow_partial: bool = False) -> tuple[list[StudentResult], list[str]]:
    """Merged results, and a line for each problem (missing, unfinished or duplicate shards; unwritten rows).
    With a shard problem nothing is written unless allow_partial."""
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
    if problems and not allow_partial:
        return results, problems + [f"nothing was written to {out} (--allow-partial writes the finished "
                                    f"shards' {len(results)} students, marked partial)"]
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / PARTIAL_FILE).unlink(missing_ok=True)  # an earlier partial merge's mark
    if problems:
        (Path(out) / PARTIAL_FILE).write_text("PARTIAL: these grades lack students\n" + "\n".join(problems) + "\n",
                                              encoding="utf-8")
    problems += write_all(results, out)
    return results, problems
