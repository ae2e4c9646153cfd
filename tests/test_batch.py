"""Budgets of the trusted grading process: a breach costs that submission only, with a reason. Running
out of memory is the submission's; running out of wall clock is the machine's (the work is bounded)."""
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


def test_a_time_budget_too_short_for_the_machine_is_not_graded_and_costs_only_that_submission(two_students, data_root):
    results = grade(two_students, data_root, grade_timeout_s=15)
    stopped = results["reference"]
    assert not stopped.complete and not stopped.graded, "a slow machine is never a deduction"
    assert "--grade-timeout-s (15 s)" in stopped.fault
    assert "時間上限 (15 秒)" in " ".join(stopped.notes)
    assert results["blank-release"].complete and results["blank-release"].graded and results["blank-release"].total == 0


def test_memory_budget_costs_that_submission_with_a_reason(two_students, data_root):
    results = grade(two_students[:1], data_root, grade_memory_mb=2048)  # torch alone maps more
    stopped = results["reference"]
    assert not stopped.complete and stopped.total == 0
    assert "メモリ上限 2048 MB" in " ".join(stopped.notes)
