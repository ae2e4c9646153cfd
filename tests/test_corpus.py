"""The whole corpus of broken and hostile submissions graded as one batch (tests/corpus/build.py).

Hostile entries run only where the only checkout they can reach is a throwaway copy: the batch is
graded by `python -m autograder grade` started from a copy of this checkout (throwaway_checkout), and
only when children are isolated (bubblewrap: they see no checkout at all). Every entry gets a grade
and a reason; none scores above the honest baseline it was built from; nothing submitted is
modified; nothing a submission starts outlives the batch; every output file is written; the batch
finishes within BATCH_BOUND_S with --jobs 2; and grades do not depend on --jobs or order.
"""
import hashlib
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.batch import grade_all
from autograder.collect import find_submissions
from autograder.pipeline import prepare
from autograder.report import write_grades
from autograder.sandbox.isolate import isolation_works
from autograder.sandbox.limits import sandbox_uid
from autograder.settings import REPO, Limits
from autograder.text import clean_text

from conftest import processes_with
from corpus.build import HOSTILE_NAME, build

pytestmark = [pytest.mark.slow, pytest.mark.realdata,
              pytest.mark.skipif(not isolation_works(sandbox_uid())[0],
                                 reason="hostile code runs only in isolated children (bubblewrap; CI has it)")]
LIMITS = Limits(timeout_s=30)
BATCH_BOUND_S = 900
"""The whole corpus, graded with --jobs 2 on 2 cores, finishes within this (measured: about 300 s)."""
HOSTILE_ID = clean_text(HOSTILE_NAME, 120)

# entry -> (total points of 44, a phrase that must be in its notes or messages, or None)
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
    "background-process": (7, None),
    "fork-bomb": (0, "時間切れ (30 秒)"),
    "infinite-loop": (0, "時間切れ (30 秒)"),
    "huge-allocation": (0, "メモリ上限"),
    "huge-output": (0, "出力が多すぎます"),
    # honest baselines
    "baseline-tiny-wrong-net": (0, None),
    "baseline-reference-01": (7, None),
    "baseline-reference-04": (14, None),
    "baseline-vgg11-cannot-learn": (11, "基準 15% に届きません"),
    "baseline-get-device-cpu-only": (1, "cpu でした"),
    # class 1: state that carries learning into the run
    "fitted-classifier-in-buffer": (8, "重み以外の使い方で出力に効いています"),
    "fitted-classifier-in-parameter": (6, "重み以外の使い方で出力に効いています"),
    "fitted-classifier-in-a-list": (8, "重み以外の使い方で出力に効いています"),
    "fitted-classifier-as-constant": (8, "重み以外の使い方で出力に効いています"),
    "fitted-classifier-in-literals": (8, "数値を直接書いた演算が多すぎます"),
    "eval-reads-an-untrained-copy": (4, "評価 (eval) のときだけ使われ"),
    "unused-parameter-pads-count": (5, "あなたのモデル 30,730"),
    # class 2: vacuous passes
    "linear-only-vgg11": (5, "畳み込み層が 8 個必要ですが、0 個でした"),
    # class 3: unbounded work in the trusted processes
    "pathological-notebook": (7, "too many nested parentheses"),
    "compressed-weights-bomb": (0, "成果物を読めませんでした"),
    "slow-pooling-chain": (4, "採点用の学習の計算量が多すぎます"),
    # class 4: everything a submission supplies is written safely
    HOSTILE_ID: (0, "Net() を作れませんでした"),
    # class 5: links and names
    "symlink-to-reference": (0, "シンボリックリンク"),
    "symlinked-student-folder": (0, "シンボリックリンク"),
    "hardlink-notebook": (0, "ハードリンク"),
    "fifo-notebook": (0, "通常のファイルではない"),
    "duplicate-id": (7, "同じ学生 ID「duplicate-id」の提出が複数あります"),
    "duplicate-id#2": (7, "同じ学生 ID「duplicate-id」の提出が複数あります"),
    # class 6: what a child sees and keeps
    "fill-the-disk": (0, "書き込める容量 (上限 512 MB) を使い切った"),
    "leave-files-behind": (1, None),
    "snoop-on-other-children": (1, "cpu でした"),
    # class 7: values from the child
    "fake-device-type": (0, "戻り値"),
    "constant-function-answers": (1, "一致しません"),
}
NO_OWN_WORK = "no-notebook"
# entry -> the honest entry it was built from; it must never score above it
BASELINE = {
    **{e: "stripped-metadata" for e in ("not-json", "truncated-json", "nbformat-3", "empty-notebook", "cells-reordered",
                                        "cells-duplicated", "cells-deleted", "cell-type-changed", "ids-removed",
                                        "markdown-in-code-cell", "syntax-error-in-one-cell", "magics-and-shell",
                                        "non-utf8-bytes", "huge-embedded-output", "two-notebooks-same-class",
                                        "trains-at-top-level")},
    **{e: "baseline-tiny-wrong-net" for e in ("sys-exit-during-import", "monkeypatch-torch", "read-hidden-graders",
                                              "fake-results-file", "fake-pytest-summary")},
    **{e: NO_OWN_WORK for e in ("wrong-exercise", "showtraceback-replaced", "always-equal", "fork-bomb", "infinite-loop",
                                "huge-allocation", "huge-output", "import-reference-solutions", HOSTILE_ID,
                                "symlink-to-reference", "symlinked-student-folder", "hardlink-notebook",
                                "fifo-notebook")},
    **{e: "baseline-reference-01" for e in ("os-exit-during-import", "eval-reads-an-untrained-copy", "background-process", "pathological-notebook",
                                            "slow-pooling-chain", "duplicate-id", "duplicate-id#2", "fill-the-disk")},
    **{e: "baseline-vgg11-cannot-learn" for e in ("fitted-classifier-in-buffer", "fitted-classifier-in-parameter",
                                                  "fitted-classifier-in-a-list",
                                                  "fitted-classifier-as-constant", "fitted-classifier-in-literals")},
    "unused-parameter-pads-count": "linear-only-vgg11",
    "compressed-weights-bomb": "baseline-reference-04",
    **{e: "baseline-get-device-cpu-only" for e in ("leave-files-behind", "snoop-on-other-children", "fake-device-type",
                                                          "constant-function-answers")},
}
OUTPUTS = ("grades.csv", "grades.json", "report.html")


def tree_hashes(folder: Path, pattern: str = "*") -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob(pattern)) if p.is_file() and not p.is_symlink() and p.stat().st_nlink == 1}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, data_root):
    return build(tmp_path_factory.mktemp("corpus"), data_root=data_root)


@pytest.fixture(scope="module")
def graded(corpus, tmp_path_factory, data_root, throwaway_checkout):
    before = tree_hashes(corpus)
    kit_before = tree_hashes(REPO / "autograder", "*.py")
    out = tmp_path_factory.mktemp("corpus-grades")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(corpus), "--out", str(out), "--jobs", "2",
                           "--timeout-s", str(LIMITS.timeout_s), "--data-root", str(data_root)],
                          cwd=throwaway_checkout, capture_output=True, text=True, errors="replace")
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-2000:]
    results = {g["student"]: g for g in json.loads((out / "grades.json").read_text(encoding="utf-8"))}
    return results, out, before, kit_before, seconds, done


def test_every_entry_is_graded_and_every_file_written(graded):
    results, out, _, _, _, _ = graded
    assert set(results) == set(EXPECTED)
    assert all(r["complete"] and r["graded"] for r in results.values()), "a breach is the submission's, never a fault"
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(EXPECTED) and not any(r.startswith("fake-results-file,44") for r in rows)
    assert len(list((out / "feedback").glob("*.html"))) == len(EXPECTED)


@pytest.mark.parametrize("entry", sorted(EXPECTED))
def test_entry_gets_its_expected_grade_and_reason(graded, entry):
    result = graded[0][entry]
    points, phrase = EXPECTED[entry]
    text = " ".join([*result["notes"], *(c["message"] for c in result["checks"])])
    assert result["total"] == points, {c["check"]: c["message"] for c in result["checks"] if c["passed"] != (points == 44)}
    if phrase:
        assert phrase in text


@pytest.mark.parametrize("entry", sorted(BASELINE))
def test_no_entry_scores_above_its_honest_baseline(graded, entry):
    results = graded[0]
    assert results[entry]["total"] <= results[BASELINE[entry]]["total"]


def test_written_output_is_safe_for_terminals_and_spreadsheets(graded):
    results, out, _, _, _, _ = graded
    csv_text = (out / "grades.csv").read_text(encoding="utf-8")
    assert not any(ch in csv_text for ch in "\x1b\x07\x00\r"), "control characters in grades.csv"
    for line in csv_text.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@", "\t")), line
    assert f"'{HOSTILE_ID}" in csv_text
    everything = json.dumps(list(results.values()), ensure_ascii=False)
    assert "\x1b" not in everything and "\\u001b" not in everything and "\\ud" not in everything
    assert max(len(c["message"]) for r in results.values() for c in r["checks"]) <= 500
    for page in [out / "report.html", *(out / "feedback").glob("*.html")]:
        assert "\x1b" not in page.read_text(encoding="utf-8")


def test_submitted_files_and_the_kit_are_untouched(graded, corpus, throwaway_checkout):
    _, _, before, kit_before, _, _ = graded
    assert tree_hashes(corpus) == before
    assert tree_hashes(REPO / "autograder", "*.py") == kit_before
    assert tree_hashes(throwaway_checkout / "autograder", "*.py") == kit_before, "the copy that graded was changed"


def test_nothing_outlives_the_batch(graded):
    assert not processes_with(b"corpus-lingering-process")


def test_the_batch_finishes_within_its_bound(graded):
    seconds = graded[4]
    assert seconds < BATCH_BOUND_S, f"the corpus took {seconds:.0f} s with --jobs 2"


def test_grades_do_not_depend_on_jobs_or_order(corpus, tmp_path, data_root):
    picked = {"nbformat-3", "always-equal"}  # one trains a model (twice, without the cache), one does not
    subs = [s for s in find_submissions(corpus) if s.student in picked]
    setup = replace(prepare(data_root, LIMITS), cache_dir=None, accuracy_cache=False)  # really train, twice
    write_grades(grade_all(subs, setup, jobs=1), tmp_path / "a")
    write_grades(grade_all(list(reversed(subs)), setup, jobs=2), tmp_path / "b")
    first = (tmp_path / "a" / "grades.csv").read_bytes()
    assert first == (tmp_path / "b" / "grades.csv").read_bytes()
    assert len(first.splitlines()) == 1 + len(picked)
