"""Budgets of the trusted grading process: a breach costs that submission only, with a reason, and the
checks it finished keep their results."""
from dataclasses import replace

import pytest

from autograder.batch import grade_all
from autograder.collect import find_submissions
from autograder.demo import build_examples
from autograder.pipeline import prepare
from autograder.settings import Budget

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def two_students(tmp_path_factory):
    subs = {s.student: s for s in find_submissions(build_examples(tmp_path_factory.mktemp("examples") / "sub"))}
    return [subs["reference"], subs["blank-release"]]


def grade(students, data_root, **budget):
    setup = replace(prepare(data_root, budget=Budget(**budget)), cache_dir=None, accuracy_cache=False)
    return {r.student: r for r in grade_all(students, setup, jobs=1)}


def test_time_budget_stops_one_submission_and_keeps_what_it_finished(two_students, data_root):
    results = grade(two_students, data_root, grade_timeout_s=15)
    stopped = results["reference"]
    assert not stopped.complete
    assert any(c.passed for c in stopped.checks), "checks done before the limit keep their results"
    assert any("時間上限 (15 秒)" in c.message for c in stopped.checks if not c.passed)
    assert "時間上限" in " ".join(stopped.notes)
    assert results["blank-release"].complete and results["blank-release"].total == 0


def test_memory_budget_costs_that_submission_with_a_reason(two_students, data_root):
    results = grade(two_students[:1], data_root, grade_memory_mb=2048)  # torch alone maps more
    stopped = results["reference"]
    assert not stopped.complete and stopped.total == 0
    assert "メモリ上限 2048 MB" in " ".join(stopped.notes)
