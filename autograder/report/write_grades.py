"""grades.csv and grades.json: one row / object per student, deterministic for the same batch.

A row that was not graded (StudentResult.fault: the grader's or the machine's fault) has empty cells
for every check and the total in grades.csv, and "graded": false, "total": null and the fault in
grades.json: never a number that could be read as the student's.

grades.csv is safe to open in a spreadsheet: the student id is the only text cell, and it goes
through csv_cell (no formula can start it). A row that cannot be written costs that row only.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from autograder.files import write_atomic
from autograder.graders.results import StudentResult
from autograder.text import NAME_LIMIT, clean_text, csv_cell


def _points(value: float) -> str:
    return f"{value:g}"


def write_grades(results: list[StudentResult], out: Path) -> list[str]:
    """Write both files; returns 'grades.csv: <student>' / 'grades.json: <student>' for rows left out."""
    results = sorted(results, key=lambda r: r.student)
    check_ids = [c.check for c in results[0].checks] if results else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *check_ids, "total", "max"])
    rows, objects, unwritten = [], [], []
    for r in results:
        try:
            line = io.StringIO()
            by_id = {c.check: c.points for c in r.checks}
            if r.graded:
                cells = [*(_points(by_id.get(i, 0.0)) for i in check_ids), _points(r.total)]
            else:  # not graded (the grader's or the machine's fault): no number anywhere, never a zero
                cells = [""] * (len(check_ids) + 1)
            csv.writer(line, lineterminator="\n").writerow([csv_cell(r.student), *cells, _points(r.max_total)])
            rows.append(line.getvalue().encode("utf-8").decode("utf-8"))
        except Exception:  # noqa: BLE001 - one row never stops the file
            unwritten.append(f"grades.csv: {clean_text(r.student)}")
        try:
            obj = {"student": clean_text(r.student, NAME_LIMIT), "total": r.total if r.graded else None,
                   "max": r.max_total, "graded": r.graded, "fault": clean_text(r.fault), "isolation": clean_text(r.isolation),
                   "complete": r.complete, "notes": [clean_text(n) for n in r.notes],
                   "checks": [{**c.to_dict(), "message": clean_text(c.message)} for c in r.checks]}
            objects.append(json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8").decode("utf-8"))
        except Exception:  # noqa: BLE001
            unwritten.append(f"grades.json: {clean_text(r.student)}")
    for name, text in (("grades.csv", buf.getvalue() + "".join(rows)), ("grades.json", "[\n" + ",\n".join(objects) + "\n]\n")):
        try:
            write_atomic(out / name, text)
        except OSError as exc:  # a full or read-only --out: named, and the other file is still tried
            unwritten.append(f"{name}: {exc.strerror or exc}")
    return unwritten


def read_grades(out: Path) -> list[dict]:
    return json.loads((out / "grades.json").read_text(encoding="utf-8"))
