"""feedback/<student>.html: per check, passed or not, points and the message. No test source, no answers."""
from __future__ import annotations

from html import escape
from pathlib import Path

from autograder.files import safe_name, write_atomic
from autograder.graders.results import StudentResult
from autograder.text import clean_text

STYLE = """body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem .6rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}.ok{color:#176f2c;font-weight:bold}.ng{color:#b00020;font-weight:bold}
.pts{text-align:right;white-space:nowrap}.note{background:#fff8e1;padding:.5rem 1rem;border-left:4px solid #f0b400}"""


def feedback_html(r: StudentResult) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(c.title)}</td><td class='{'ok' if c.passed else 'ng'}'>{'合格' if c.passed else '不合格'}</td>"
        f"<td class='pts'>{c.points:g} / {c.max_points:g}</td><td>{escape(clean_text(c.message))}</td></tr>"
        for c in r.checks)
    notes = "".join(f"<li>{escape(clean_text(n))}</li>" for n in r.notes)
    notes_html = f"<div class='note'><p>提出物についての注意</p><ul>{notes}</ul></div>" if notes else ""
    total = f"{r.total:g} / {r.max_total:g} 点" if r.graded else "採点できませんでした (減点ではありません)"
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>採点結果 {escape(clean_text(r.student))}</title><style>{STYLE}</style></head>
<body><h1>第1回 演習の採点結果</h1>
<p>学生: <b>{escape(clean_text(r.student))}</b> / 合計: <b>{total}</b></p>
{notes_html}
<table><tr><th>確認項目</th><th>結果</th><th>点数</th><th>説明</th></tr>
{rows}
</table></body></html>
"""


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
