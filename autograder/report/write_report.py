"""report.html: the class at a glance. The distribution of totals and each check's pass rate, by its
Japanese title, drawn as HTML bars (any browser shows the Japanese; no plotting library, no fonts),
and one row per student linking to that student's feedback page."""
from __future__ import annotations

import math
from pathlib import Path

from autograder.files import write_atomic
from autograder.graders.results import StudentResult
from autograder.report.render import render
from autograder.report.write_feedback import feedback_files
from autograder.text import clean_text

TITLE = "採点レポート (第1回)"
BAR_REM = 20
"""Length of the longest bar."""
BINS = 10
"""At most this many bars in the distribution of totals; each covers a whole number of points."""


def histogram(totals: list[float], top: float) -> list[dict]:
    """Bars of whole-point ranges from 0 to top; counts are whole students."""
    width = max(1, math.ceil((math.floor(top) + 1) / BINS))
    edges = range(0, math.floor(top) + 1, width)
    counts = [sum(lo <= t < lo + width for t in totals) for lo in edges]
    most = max(counts, default=0) or 1
    return [{"label": f"{lo:g}" if width == 1 else f"{lo:g}–{min(lo + width - 1, top):g}", "count": n,
             "width": round(BAR_REM * n / most, 2)} for lo, n in zip(edges, counts)]


def pass_rates(graded: list[StudentResult]) -> list[dict]:
    titles = {c.check: clean_text(c.title) for r in graded for c in r.checks}
    rates = []
    for check, title in titles.items():
        rows = [c for r in graded for c in r.checks if c.check == check]
        passed = sum(c.passed for c in rows)
        share = passed / len(rows) if rows else 0.0
        rates.append({"title": title, "passed": passed, "of": len(rows), "percent": f"{100 * share:.0f}",
                      "width": round(BAR_REM * share, 2)})
    return rates


def _row(r: StudentResult, file: str) -> dict:
    return {"student": clean_text(r.student), "file": file, "notes": clean_text(" ".join(r.notes), 300),
            "total": f"{r.total:g} / {r.max_total:g}" if r.graded else "採点できず (not graded)"}


def write_report(results: list[StudentResult], out: Path) -> list[str]:
    """report.html; returns 'report.html: <student>' for each row that could not be written."""
    results = sorted(results, key=lambda r: r.student)
    graded = [r for r in results if r.graded]
    files = feedback_files(results)
    top = results[0].max_total if results else 0.0
    rows, unwritten = [], []
    for r in results:
        try:
            rows.append(_row(r, files[r.student]))
        except Exception:  # noqa: BLE001 - one row never stops the report
            unwritten.append(f"report.html: {clean_text(r.student)}")
    mean = sum(r.total for r in graded) / len(graded) if graded else 0.0
    html = render("report.html.j2", title=TITLE, count=len(results), mean=f"{mean:.1f}", top=f"{top:g}",
                  not_graded=len(results) - len(graded), bins=histogram([r.total for r in graded], top),
                  rates=pass_rates(graded), rows=rows)
    write_atomic(out / "report.html", html)
    return unwritten
