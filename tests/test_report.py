"""Writing grades: any text a submission supplied is written safely, and a row that cannot be written
costs that row only (and is reported)."""
import csv
import json

from autograder.cli import _report_unwritten
from autograder.graders.results import CheckResult, StudentResult
from autograder.report import write_feedback, write_grades, write_report

HOSTILE = "=HYPERLINK(\"http://x\")\x1b[2J\udcff\u202e" + "z" * 100_000


def result(student: str, note: str = "ok", points: object = 0.0) -> StudentResult:
    check = CheckResult("net.params", "Net: パラメータ数", points, 2.0, False, HOSTILE)
    return StudentResult(student, [check], [note])


def test_hostile_text_is_written_safely_everywhere(tmp_path):
    results = [result(HOSTILE, HOSTILE), result("plain")]
    assert write_grades(results, tmp_path) + write_feedback(results, tmp_path) + write_report(results, tmp_path) == []
    rows = list(csv.reader((tmp_path / "grades.csv").open(encoding="utf-8")))
    assert [r[0][0] for r in rows[1:]] == ["'", "p"] and all(len(r[0]) <= 121 for r in rows)
    for path in [tmp_path / "grades.csv", tmp_path / "report.html", *(tmp_path / "feedback").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\u202e" not in text and len(text) < 50_000
    grades = json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))
    assert len(grades) == 2


def test_a_row_that_cannot_be_written_costs_that_row_and_the_exit_status_says_so(tmp_path, capsys):
    results = [result("alice", points=None), result("bob")]  # a broken total: nothing about alice adds up
    unwritten = write_grades(results, tmp_path)
    assert unwritten == ["grades.csv: alice", "grades.json: alice"]
    assert [g["student"] for g in json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))] == ["bob"]
    assert (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()[1].startswith("bob,")
    assert _report_unwritten(unwritten) == 1
    assert "grades.csv: alice; grades.json: alice" in capsys.readouterr().err


def two_checks(student: str, notes: list[str], message: str = "違います") -> StudentResult:
    return StudentResult(student, [CheckResult("net.params", "Net: パラメータ数", 2.0, 2.0, True, ""),
                                   CheckResult("net.shape", "Net: 出力の形", 0.0, 2.0, False, message)], notes)


def test_feedback_puts_failures_first_highlighted_and_a_note_once(tmp_path):
    note = "notes.txt はノートブックではないので読みませんでした。"
    write_feedback([two_checks("alice", [note], message=f"Net の定義が見つかりません。 {note}")], tmp_path)
    html = (tmp_path / "feedback" / "alice.html").read_text(encoding="utf-8")
    assert html.index("Net: 出力の形") < html.index("Net: パラメータ数"), "the failed check comes first"
    assert "<tr class=\"ng\"><td>Net: 出力の形</td><td class=\"result\">不合格</td>" in html
    assert ".result,.pts{white-space:nowrap}" in html, "合格 / 不合格 never wrap one character per line"
    assert html.count(note) == 1 and "Net の定義が見つかりません。" in html


def test_the_class_report_speaks_japanese_counts_whole_students_and_links_feedback(tmp_path):
    results = [two_checks(f"s{i}", []) for i in range(3)] + [StudentResult("t", [
        CheckResult("net.params", "Net: パラメータ数", 2.0, 2.0, True, ""),
        CheckResult("net.shape", "Net: 出力の形", 2.0, 2.0, True, "")], [])]
    assert write_report(results, tmp_path) == []
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Net: 出力の形</td><td class=\"num\">1 / 4 人 (25 %)" in html and "net.shape" not in html
    assert "<td class=\"num\">2</td><td class=\"num\">3 人</td>" in html  # totals 2, 2, 2 and 4 (max 4: one bar per point)
    assert "<td class=\"num\">4</td><td class=\"num\">1 人</td>" in html
    assert '<a href="feedback/s0.html">s0</a>' in html
    assert "<img" not in html


def test_the_end_of_grade_names_each_unreadable_submission_and_where_the_outputs_are(tmp_path, capsys, monkeypatch):
    from autograder import cli
    monkeypatch.setattr(cli, "NOTE_LINES", 2)
    results = [two_checks("alice", ["notes.txt はノートブックではありません。"]), two_checks("bob", []),
               two_checks("carol", ["x"]), two_checks("dave", ["y"])]
    cli._report_outputs(results, tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["note: alice: notes.txt はノートブックではありません。", "note: carol: x",
                         "note: 1 more students have notes (grades.json, feedback/)"]
    assert lines[3].startswith(f"outputs in {tmp_path}: grades.csv")
