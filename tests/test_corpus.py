"""The whole corpus of broken and hostile submissions graded as one batch (tests/corpus/build.py).

Every entry gets a grade and a reason; no trick gains a point; nothing submitted is modified;
nothing a submission starts outlives the batch; and grades do not depend on --jobs or order.
"""
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from autograder import grade
from autograder.batch import grade_all
from autograder.collect import find_submissions
from autograder.report import write_grades
from autograder.sandbox.limits import privilege_drop_works
from autograder.settings import REPO, Limits

from corpus.build import build

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
LIMITS = Limits(timeout_s=30)
ISOLATED = privilege_drop_works()

# entry -> (total points of 44, a phrase that must be in the feedback or None)
EXPECTED = {
    "not-json": (0, "壊れています"),
    "truncated-json": (0, "壊れています"),
    "nbformat-3": (7, None),
    "empty-notebook": (0, "コードの入ったセルがありません"),
    "cells-reordered": (14, None),
    "cells-duplicated": (11, None),
    "cells-deleted": (7, "VGG11 の定義がどのノートブックにも見つかりませんでした"),
    "cell-type-changed": (0, "BNNet の定義がどのノートブックにも見つかりませんでした"),
    "stripped-metadata": (44, None),
    "ids-removed": (19, None),
    "markdown-in-code-cell": (7, "文法エラー"),
    "syntax-error-in-one-cell": (16, "文法エラー"),
    "magics-and-shell": (7, None),
    "non-utf8-bytes": (7, "UTF-8"),
    "huge-embedded-output": (7, None),
    "wrong-exercise": (0, "見つかりませんでした"),
    "two-notebooks-same-class": (25, "複数のノートブック"),
    "no-notebook": (0, "ノートブック (.ipynb) がありません"),
    "trains-at-top-level": (7, None),
    "showtraceback-replaced": (0, "hidden"),
    "always-equal": (0, "torch.device を返してください"),
    "sys-exit-during-import": (0, "パラメータ数が目標と違います"),
    "os-exit-during-import": (0, "途中で終了しました"),
    "monkeypatch-torch": (0, "実行できませんでした"),
    "import-reference-solutions": (0, "Net が定義されていません"),
    "read-hidden-graders": (0, "パラメータ数が目標と違います"),
    "fake-results-file": (0, "パラメータ数が目標と違います"),
    "fake-pytest-summary": (0, "パラメータ数が目標と違います"),
    "background-process": (7, "プロセス"),
    "fork-bomb": (0, "時間切れ (30 秒)"),
    "infinite-loop": (0, "時間切れ (30 秒)"),
    "huge-allocation": (0, "メモリ上限"),
    "huge-output": (0, "出力が多すぎます"),
}
NEEDS_ISOLATION = {"import-reference-solutions", "read-hidden-graders", "fake-results-file"}


def tree_hashes(folder: Path, pattern: str = "*") -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob(pattern)) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def graded(corpus, tmp_path_factory, data_root):
    before = tree_hashes(corpus)
    graders_before = tree_hashes(REPO / "autograder", "*.py")
    out = tmp_path_factory.mktemp("corpus-grades")
    results = grade.main(submitted=corpus, out=out, data_root=data_root, limits=LIMITS, show_progress=False)
    return {r.student: r for r in results}, out, before, graders_before


def test_every_entry_is_graded(graded):
    results, out, _, _ = graded
    assert set(results) == set(EXPECTED)
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(EXPECTED) and not any(r.startswith("fake-results-file,44") for r in rows)
    assert {p.stem for p in (out / "feedback").glob("*.html")} == set(EXPECTED)


@pytest.mark.parametrize("entry", sorted(EXPECTED))
def test_entry_gets_its_expected_grade_and_reason(graded, entry):
    if entry in NEEDS_ISOLATION and not ISOLATED:
        pytest.skip("only holds with the root sandbox (see THREAT_MODEL.md); CI runs it")
    result = graded[0][entry]
    points, phrase = EXPECTED[entry]
    text = " ".join([*result.notes, *(c.message for c in result.checks)])
    assert result.total == points, {c.check: c.message for c in result.checks if c.passed != (points == 44)}
    if phrase:
        assert phrase in text


def test_submitted_files_and_graders_are_untouched(graded, corpus):
    _, _, before, graders_before = graded
    assert tree_hashes(corpus) == before
    assert tree_hashes(REPO / "autograder", "*.py") == graders_before


def test_nothing_outlives_the_batch(graded):
    lingering = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"corpus-lingering-process" in cmdline.read_bytes():
                lingering.append(cmdline.parent.name)
        except OSError:
            pass
    assert not lingering


def test_grades_do_not_depend_on_jobs_or_order(corpus, tmp_path, data_root):
    picked = {"nbformat-3", "syntax-error-in-one-cell", "always-equal", "markdown-in-code-cell"}
    subs = [s for s in find_submissions(corpus) if s.student in picked]
    setup = replace(grade.prepare(data_root, LIMITS, hide=(corpus,)), cache_dir=None)  # really train, twice
    write_grades(grade_all(subs, setup, jobs=1), tmp_path / "a")
    write_grades(grade_all(list(reversed(subs)), setup, jobs=2), tmp_path / "b")
    first = (tmp_path / "a" / "grades.csv").read_bytes()
    assert first == (tmp_path / "b" / "grades.csv").read_bytes()
    assert len(first.splitlines()) == 1 + len(picked)
