"""feedback/<student>.html: what to fix first (failed checks, highlighted), then what passed. No test
source, no answers. A note about the submission is shown once, at the top, never in every row."""
from __future__ import annotations

from pathlib import Path

from autograder.files import safe_name, write_atomic
from autograder.graders.results import StudentResult
from autograder.report.render import render
from autograder.text import clean_text

TITLE = "第1回 演習の採点結果"
SEE_NOTES = "上の「提出物についての注意」を見てください。"


def _message(message: str, notes: list[str]) -> str:
    """The check's message without the submission's notes, which the page shows once at the top."""
    for note in notes:
        if note:
            message = message.replace(note, "")
    return " ".join(message.split()) or SEE_NOTES


def feedback_html(r: StudentResult) -> str:
    notes = [clean_text(n) for n in r.notes]
    checks = [{"title": clean_text(c.title), "points": f"{c.points:g}", "max_points": f"{c.max_points:g}",
               "passed": c.passed, "message": _message(clean_text(c.message), notes)} for c in r.checks]
    total = f"{r.total:g} / {r.max_total:g} 点" if r.graded else "採点できませんでした (減点ではありません)"
    return render("feedback.html.j2", title=TITLE, student=clean_text(r.student), total=total, notes=notes,
                  failed=[c for c in checks if not c["passed"]], passed=[c for c in checks if c["passed"]])


def feedback_files(results: list[StudentResult]) -> dict[str, str]:
    """Student id -> feedback file name; distinct ids that clean up to the same name get -2, -3, ..."""
    names: dict[str, str] = {}
    for r in sorted(results, key=lambda r: r.student):
        base, name, k = safe_name(r.student), safe_name(r.student), 1
        while name in names.values():
            k += 1
            name = f"{base}-{k}"
        names[r.student] = name
    return {student: f"{name}.html" for student, name in names.items()}


def write_feedback(results: list[StudentResult], out: Path) -> list[str]:
    """One file per student; returns 'feedback: <student>' for each file that could not be written."""
    files = feedback_files(results)
    unwritten = []
    for r in results:
        try:
            write_atomic(out / "feedback" / files[r.student], feedback_html(r))
        except Exception:  # noqa: BLE001 - one file never stops the others
            unwritten.append(f"feedback: {clean_text(r.student)}")
    return unwritten
