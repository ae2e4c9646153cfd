"""The demo's example submissions get exactly the points pinned in tests/golden/demo_grades.csv."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.graders.plugin import all_checks

from conftest import GOLDEN, REPO

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def graded(demo_graded):
    return demo_graded


def test_demo_points_match_golden(graded, update_golden):
    out, _ = graded
    got = (out / "grades" / "grades.csv").read_text(encoding="utf-8")
    golden = GOLDEN / "demo_grades.csv"
    if update_golden:
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8"), "demo grades changed: check, then rerun with --update-golden"


def test_each_example_fails_exactly_its_own_mistake(graded):
    _, results = graded
    failed = {r.student: {c.check for c in r.checks if not c.passed} for r in results}
    assert failed["reference"] == set()
    assert failed["blank-release"] == {cid for cid, _, _ in all_checks()}
    assert failed["labels-not-moved"] == {"train_one_epoch.moves_data"}
    assert failed["does-not-learn"] == {"net.accuracy"}
    assert {"bnnet.bn_placement", "bnnet.params", "bnnet.running_stats"} <= failed["bn-missing"]
    assert all(c.startswith("bnnet.") for c in failed["bn-missing"])
    assert {"vgg11.classifier", "vgg11.params", "vgg11.shape"} <= failed["wrong-flatten"]
    assert {"vgg11.convs", "vgg11.classifier", "vgg11.params"} <= failed["four-poolings"]
    assert "vgg11.shape" not in failed["four-poolings"], "a matching flatten keeps the output shape right"


def test_messages_name_the_mistake_without_the_answer(graded):
    out, _ = graded
    grades = {g["student"]: g for g in json.loads((out / "grades" / "grades.json").read_text(encoding="utf-8"))}
    msg = {c["check"]: c["message"] for c in grades["labels-not-moved"]["checks"]}
    assert msg["train_one_epoch.moves_data"] == "ラベルが device に移されていません。"
    feedback = (out / "grades" / "feedback" / "wrong-flatten.html").read_text(encoding="utf-8")
    assert "全結合層に渡す次元数が 2048 です" in feedback
    assert "出力の形が (64, 10) ではなく (16, 10) になりました" in feedback, "the shape story, not an internal error"
    assert "The size of tensor" not in feedback
    for leak in ("512 * 1 * 1", "def test_", "expect(", "BEGIN SOLUTION"):
        assert leak not in feedback


def test_report_has_both_charts_and_links_every_feedback_page(graded):
    out, _ = graded
    html = (out / "grades" / "report.html").read_text(encoding="utf-8")
    assert "合計点の分布" in html and "確認項目ごとの合格率" in html and "7 人" in html
    assert "VGG11: 平坦化した次元と全結合層</td><td class=\"num\">4 / 7 人" in html
    for page in (out / "grades" / "feedback").glob("*.html"):
        assert f'href="feedback/{page.name}"' in html


def test_gradebook_write_back_gives_nbgrader_export_the_same_totals(graded, tmp_path):
    """to-nbgrader into a fresh course directory, then nbgrader's own export: each student's score
    is the total in grades.csv (and running it twice changes nothing)."""
    out, results = graded
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text(encoding="utf-8"), encoding="utf-8")
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "autograder", "to-nbgrader", str(out / "grades"), "--course-dir", str(course)],
                              cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    exported = course / "export.csv"
    venv_bin = Path(sys.executable).parent  # as after `source .venv/bin/activate`: nbgrader runs alembic from PATH
    done = subprocess.run([str(venv_bin / "nbgrader"), "export", "--to", str(exported)], cwd=course, capture_output=True,
                          text=True, env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader(exported.open(encoding="utf-8"))}
    totals = {r["student"]: r["total"] for r in csv.DictReader((out / "grades" / "grades.csv").open(encoding="utf-8"))}
    assert set(rows) == set(totals) == {r.student for r in results}
    for student, total in totals.items():
        assert float(rows[student]["score"]) == float(total), (student, rows[student])
        assert float(rows[student]["max_score"]) == 44


def test_to_nbgrader_refuses_a_folder_without_grades(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "to-nbgrader", str(tmp_path), "--course-dir", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "grades.json" in done.stderr and len(done.stderr.strip().splitlines()) == 1
