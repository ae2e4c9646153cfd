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
