"""report.html: the class at a glance, with a histogram of totals and each check's pass rate."""
from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from autograder.files import write_atomic
from autograder.graders.results import StudentResult
from autograder.text import clean_text


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(results: list[StudentResult]) -> tuple[str, str]:
    """Histogram and pass rates of the graded rows (a row that was not graded has no points to show)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    totals = [r.total for r in results]
    top = max((r.max_total for r in results), default=1) or 1
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(totals, bins=min(20, max(5, len(results))), range=(0, top), color="#3b7dd8", edgecolor="white")
    ax.set_xlabel("total points")
    ax.set_ylabel("students")
    hist = _png(fig)
    plt.close(fig)
    checks = [c.check for c in results[0].checks] if results else []
    rates = [100 * sum(c.passed for r in results for c in r.checks if c.check == cid) / max(len(results), 1)
             for cid in checks]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(checks) + 1))
    ax.barh(checks[::-1], rates[::-1], color="#2e9d5b")
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate (%)")
    bars = _png(fig)
    plt.close(fig)
    return hist, bars


def _row(r: StudentResult) -> str:
    total = f"{r.total:g} / {r.max_total:g}" if r.graded else "採点できず (not graded)"
    return (f"<tr><td>{escape(clean_text(r.student))}</td><td style='text-align:right'>{total}</td>"
            f"<td>{escape(clean_text(' '.join(r.notes), 300))}</td></tr>")


def write_report(results: list[StudentResult], out: Path) -> list[str]:
    """report.html; returns 'report.html: <student>' for each row that could not be written."""
    results = sorted(results, key=lambda r: r.student)
    graded = [r for r in results if r.graded]
    hist, bars = _plots(graded)
    n = len(results)
    mean = sum(r.total for r in graded) / len(graded) if graded else 0.0
    top = results[0].max_total if results else 0.0
    cells, unwritten = [], []
    for r in results:
        try:
            cells.append(_row(r).encode("utf-8").decode("utf-8"))
        except Exception:  # noqa: BLE001 - one row never stops the report
            unwritten.append(f"report.html: {clean_text(r.student)}")
    rows = "\n".join(cells)
    html = f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>採点レポート</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}td,th{{border:1px solid #ccc;padding:.3rem .5rem}}
table{{border-collapse:collapse}}</style></head><body>
<h1>採点レポート (第1回)</h1>
<p>{n} 人 / 平均 {mean:.1f} 点 (満点 {top:g} 点){f" / 採点できなかった提出 {n - len(graded)} 件" if n > len(graded) else ""}</p>
<h2>合計点の分布</h2><img alt="合計点のヒストグラム" src="data:image/png;base64,{hist}">
<h2>確認項目ごとの合格率</h2><img alt="確認項目ごとの合格率" src="data:image/png;base64,{bars}">
<h2>一覧</h2><table><tr><th>学生</th><th>合計</th><th>注意</th></tr>
{rows}
</table></body></html>
"""
    write_atomic(out / "report.html", html)
    return unwritten
