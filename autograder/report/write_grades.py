"""grades.csv and grades.json: one row / object per student, deterministic for the same batch."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from autograder.pipeline import StudentResult
from autograder.files import write_atomic


def _points(value: float) -> str:
    return f"{value:g}"


def write_grades(results: list[StudentResult], out: Path) -> None:
    results = sorted(results, key=lambda r: r.student)
    check_ids = [c.check for c in results[0].checks] if results else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *check_ids, "total", "max"])
    for r in results:
        by_id = {c.check: c.points for c in r.checks}
        writer.writerow([r.student, *(_points(by_id.get(i, 0.0)) for i in check_ids),
                         _points(r.total), _points(r.max_total)])
    write_atomic(out / "grades.csv", buf.getvalue())
    data = [{"student": r.student, "total": r.total, "max": r.max_total, "notes": r.notes,
             "checks": [c.to_dict() for c in r.checks]} for r in results]
    write_atomic(out / "grades.json", json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def read_grades(out: Path) -> list[dict]:
    return json.loads((out / "grades.json").read_text(encoding="utf-8"))
