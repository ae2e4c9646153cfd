"""No submission changes another's grade through what graders share: the accuracy cache.

An attacker whose eval forward reads copies that training never updates is refused before any run, so
no result of it is written into the cache; an honest classmate graded afterwards under the very same
cache (in memory and in its folder) trains for real and gets full marks.
"""
from dataclasses import replace

import pytest

from autograder.batch import grade_all, open_cache
from autograder.collect import find_submissions
from autograder.graders.accuracy_cache import load_folder
from autograder.pipeline import prepare
from autograder.settings import Limits

from corpus.build import build

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def test_a_poisoning_attempt_then_an_honest_student_under_one_cache(tmp_path, data_root):
    corpus = build(tmp_path / "corpus", ["eval-reads-an-untrained-copy", "baseline-reference-01"])
    by_name = {s.student: s for s in find_submissions(corpus)}
    setup = replace(prepare(data_root, Limits(timeout_s=60)), cache_dir=tmp_path / "cache", accuracy_cache=True)
    cache = open_cache(setup)

    [attacker] = grade_all([by_name["eval-reads-an-untrained-copy"]], setup, jobs=1, cache=cache)
    assert attacker.graded and not next(c for c in attacker.checks if c.check == "net.accuracy").passed
    assert "評価 (eval) のときだけ使われ" in next(c.message for c in attacker.checks if c.check == "net.accuracy")
    assert cache.known == {} and load_folder(setup.cache_dir) == {}, "a refused run wrote the cache"

    [honest] = grade_all([by_name["baseline-reference-01"]], setup, jobs=1, cache=cache)
    assert honest.graded and honest.total == 7, [(c.check, c.message) for c in honest.checks if c.points == 0 and c.max_points]
    assert len(load_folder(setup.cache_dir)) == 1, "the honest run is the one that is cached"
