"""Stage 5: grades and feedback. Written only by the trusted process, from results it built itself."""
from __future__ import annotations

from pathlib import Path

from autograder.report.write_feedback import write_feedback
from autograder.report.write_grades import write_grades
from autograder.report.write_report import write_report

__all__ = ["write_all", "write_feedback", "write_grades", "write_report"]


def write_all(results, out: Path) -> list[str]:
    """grades.csv, grades.json, feedback/ and report.html. A file that cannot be written (a full disk, a
    read-only folder) is named in the returned list, and the others are still written."""
    unwritten = []
    for name, writer in (("grades", write_grades), ("feedback/", write_feedback),
                         ("report.html", write_report)):
        try:
            unwritten += writer(results, out)
        except OSError as exc:
            unwritten.append(f"{name}: {exc.strerror or exc}")
    return unwritten
