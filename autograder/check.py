"""`python -m autograder check NOTEBOOK ...`: grade one student's notebooks and print a table."""
from __future__ import annotations

from pathlib import Path

from autograder.batch import grade_all
from autograder.collect import Submission
from autograder.grade import prepare
from autograder.pipeline import StudentResult
from autograder.settings import Limits, UsageError


def table(result: StudentResult) -> str:
    lines = []
    for c in result.checks:
        mark = "合格" if c.passed else "不合格"
        lines.append(f"{mark:　<3} {c.points:>3g}/{c.max_points:<3g} {c.title}")
        if not c.passed:
            lines.append(f"           {c.message}")
    lines += [f"注意: {n}" for n in result.notes]
    lines.append(f"合計 {result.total:g} / {result.max_total:g} 点")
    return "\n".join(lines)


def main(*, notebooks: list[Path], data_root: str | Path | None = None, limits: Limits = Limits()) -> StudentResult:
    missing = [str(p) for p in notebooks if not Path(p).is_file()]
    if missing:
        raise UsageError(f"not a file: {', '.join(missing)}")
    folders = tuple(sorted({Path(p).resolve().parent for p in notebooks}))
    setup = prepare(data_root, limits, hide=folders)
    sub = Submission("you", tuple(sorted(Path(p) for p in notebooks)))
    return grade_all([sub], setup, jobs=1)[0]
