"""`python -m autograder to-nbgrader OUT --course-dir DIR`: a graded batch into nbgrader's gradebook.

Each hidden check becomes an autograded grade cell of the source notebook it belongs to (its id as the
cell name, its points as max_score); each student in OUT/grades.json gets a submission with one grade
per check. formgrader then shows them, and `nbgrader export` writes the LMS CSV. Run it again after a
regrade: grades are updated in place. Scores come from grades.json only (what `grade` or `merge` wrote).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.graders.plugin import all_checks
from autograder.settings import ASSIGNMENT, UsageError

NOTEBOOK_OF = {"net": "01_tutorial", "get_device": "02_gpu", "train_one_epoch": "02_gpu", "evaluate": "02_gpu",
               "fit": "02_gpu", "bnnet": "03_batchnorm", "vgg11": "04_vgg11"}
"""Prefix of a check id -> the source notebook whose exercise it grades."""


def notebook_of(check: str) -> str:
    return NOTEBOOK_OF[check.split(".")[0]]


def _rows(graded: Path) -> list[dict]:
    path = graded / "grades.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path} ({type(exc).__name__}): give the --out folder of grade or merge") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "student" in r and "checks" in r for r in rows):
        raise UsageError(f"{path} is not a grades.json written by grade or merge")
    return rows


def main(*, graded: Path, course_dir: Path, assignment: str = ASSIGNMENT) -> list[str]:
    """Write every graded student's grades; returns the students written (rows marked not graded are left out)."""
    rows = _rows(Path(graded))
    checks = {check: points for check, _, points in all_checks()}
    course_dir = Path(course_dir)
    if not course_dir.is_dir():
        raise UsageError(f"course directory not found: {course_dir}")
    # nbgrader runs the `alembic` command of its own environment: find it even when the venv is not activated
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(assignment)
        for check, points in checks.items():
            gb.update_or_create_notebook(notebook_of(check), assignment)
            gb.update_or_create_grade_cell(check, notebook_of(check), assignment, max_score=points, cell_type="code")
        written = []
        for row in rows:
            if row.get("graded") is False:  # not graded (the grader's fault): no grade is better than a wrong one
                continue
            student = row["student"]
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            for result in row["checks"]:
                if result.get("check") not in checks:
                    continue
                grade = gb.find_grade(result["check"], notebook_of(result["check"]), assignment, student)
                grade.auto_score = float(result["points"])
                grade.manual_score = None
                grade.needs_manual_grade = False
            gb.db.commit()
            written.append(student)
    return written
