"""OUT/journal.jsonl takes a student back only for the same notebooks in the same set-up."""
import json
import os

from autograder.collect import Submission
from autograder.graders.results import CheckResult, StudentResult
from autograder.report.journal import JOURNAL, Journal, submission_digest


def result(student: str, fault: str = "") -> StudentResult:
    return StudentResult(student, [CheckResult("net.params", "Net: パラメータ数", 2.0, 2.0, True, "OK")], ["注意"],
                         fault=fault, isolation="bubblewrap")


def submissions(tmp_path, *students):
    subs = []
    for s in students:
        (tmp_path / s).mkdir(exist_ok=True)
        nb = tmp_path / s / "01_tutorial.ipynb"
        if not nb.exists():
            nb.write_text("{}", encoding="utf-8")
        subs.append(Submission(s, (nb,), ()))
    return subs


def test_a_finished_student_comes_back_whole(tmp_path):
    subs = submissions(tmp_path, "a", "b")
    journal = Journal(tmp_path, "setup-1")
    assert journal.finished(subs) == {}
    journal.add(result("a"))
    journal.add(result("b", fault="the disk is full"))  # not graded: never kept
    again = Journal(tmp_path, "setup-1").finished(subs)
    assert list(again) == ["a"] and again["a"] == result("a")


def test_changed_notebooks_or_set_up_are_graded_again(tmp_path):
    subs = submissions(tmp_path, "a")
    journal = Journal(tmp_path, "setup-1")
    journal.finished(subs)
    journal.add(result("a"))
    assert Journal(tmp_path, "setup-2").finished(subs) == {}
    (tmp_path / "a" / "01_tutorial.ipynb").write_text('{"cells": []}', encoding="utf-8")
    assert Journal(tmp_path, "setup-1").finished(subs) == {}


def test_a_torn_line_costs_only_itself(tmp_path):
    subs = submissions(tmp_path, "a", "b")
    journal = Journal(tmp_path, "setup-1")
    journal.finished(subs)
    journal.add(result("a"))
    with open(tmp_path / JOURNAL, "a", encoding="utf-8") as f:
        f.write('\n{"setup": "setup-1", "submiss')  # one of our writes (a leading newline) cut short
    journal.add(result("b"))
    assert sorted(Journal(tmp_path, "setup-1").finished(subs)) == ["a", "b"]


def test_the_digest_never_blocks_on_a_pipe_nor_follows_a_link(tmp_path):
    os.mkfifo(tmp_path / "pipe.ipynb")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "pipe.ipynb")
    digest = submission_digest(Submission("x", (tmp_path / "pipe.ipynb", tmp_path / "link.ipynb"), ()))
    assert len(digest) == 64


def test_an_unwritable_journal_is_said_once_and_costs_nothing_else(tmp_path, capsys):
    subs = submissions(tmp_path, "a", "b")
    journal = Journal(tmp_path / "missing-folder", "setup-1")
    journal.finished(subs)
    journal.add(result("a"))
    journal.add(result("b"))
    assert journal.failed and capsys.readouterr().err.count("note: the journal") == 1
    assert json.loads(json.dumps(result("a").to_dict()))["student"] == "a"
