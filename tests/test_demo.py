"""The demo's example submissions get exactly the points pinned in tests/golden/demo_grades.csv."""
import json

import pytest

from autograder import demo
from autograder.graders.plugin import all_checks

from conftest import GOLDEN

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("demo")
    results, unwritten = demo.main(out=out, data_root=data_root)
    assert unwritten == []
    return out, results


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
    for leak in ("512 * 1 * 1", "def test_", "expect(", "BEGIN SOLUTION"):
        assert leak not in feedback


def test_report_has_both_plots(graded):
    out, _ = graded
    html = (out / "grades" / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2 and "7 人" in html
