""""OK" in the notebook means full marks: the release's check cells and the hidden checks agree.

Every honest mistake fixture (tests/agreement/mistakes.py, the demo's examples, the corpus's honest
entries) is graded by `python -m autograder grade` (the demo's by the session's demo run) and run
through the check cells of release/ by
tests/agreement/run_public_checks.py, once as on a CPU runtime and once with CUDA reported available.
For each check cell, OK must come exactly when every hidden check it stands for passes (the accuracy
run aside: the notebooks say it happens at grading), and a failing cell must show the message of the
first hidden check that fails. The accuracy runs are refused with a work bound of zero: they are not
compared, and the rest of the grade does not depend on them.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from autograder.batch import grade_all
from autograder.collect import find_submissions
from autograder.demo import MISTAKES as DEMO_MISTAKES
from autograder.pipeline import prepare
from autograder.report import write_grades
from autograder.settings import Budget
from autograder.public_checks import CHECK_CELLS

from agreement.mistakes import MISTAKES, build_mistakes
from conftest import REPO
from corpus.build import build as build_corpus

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
CORPUS_HONEST = ("baseline-tiny-wrong-net", "baseline-get-device-cpu-only", "baseline-vgg11-cannot-learn",
                 "linear-only-vgg11", "unused-parameter-pads-count")
"""Corpus entries whose code is honest (the others attack the sandbox; their code would run in this process)."""
FIXTURES = sorted([*MISTAKES, *DEMO_MISTAKES, "reference", "blank-release", *CORPUS_HONEST])


@pytest.fixture(scope="module")
def submitted(tmp_path_factory, demo_graded):
    """(the fixtures graded here, the demo's submitted folder)."""
    dest = tmp_path_factory.mktemp("agreement")
    build_mistakes(dest)
    build_corpus(dest, names=CORPUS_HONEST)
    return dest, demo_graded[0] / "submitted"


def _verdicts(grades_json):
    return {g["student"]: {c["check"]: c for c in g["checks"]} for g in json.loads(grades_json.read_text("utf-8"))}


@pytest.fixture(scope="module")
def hidden(submitted, demo_graded, tmp_path_factory, data_root):
    """The fixtures through the batch's own pipeline (grading processes, sandboxed children), with a work
    bound of zero: the accuracy runs, which the check cells leave to grading, are refused before they
    start. (The CLI would refuse such a set-up: its proof needs the references' full marks.)"""
    out = tmp_path_factory.mktemp("agreement-grades")
    setup = prepare(data_root, budget=Budget(run_tflop=0.0), jobs=2)
    results = grade_all(find_submissions(submitted[0]), setup, jobs=2)
    assert all(r.graded for r in results), [r.fault for r in results if not r.graded]
    write_grades(results, out)
    return {**_verdicts(demo_graded[0] / "grades" / "grades.json"), **_verdicts(out / "grades.json")}


def _public(submitted, out, *flags):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(REPO / "tests" / "agreement" / "run_public_checks.py"), str(out),
                           *map(str, submitted), *flags], cwd=REPO, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text("utf-8"))


@pytest.fixture(scope="module")
def public(submitted, tmp_path_factory):
    folder = tmp_path_factory.mktemp("agreement-public")
    return {"cpu": _public(submitted, folder / "cpu.json"),
            "cuda": _public(submitted, folder / "cuda.json", "--cuda-available")}


def _shape(message: str) -> str:
    """A message with every number replaced by '#'."""
    return re.sub(r"-?\d+(?:\.\d+)?", "#", message)


def expected_verdict(checks: dict, cell: str) -> tuple[bool, str]:
    """(all hidden checks of the cell passed, message of the first one that failed)."""
    failed = [checks[c] for c in CHECK_CELLS[cell][2] if not checks[c]["passed"]]
    return not failed, failed[0]["message"] if failed else ""


@pytest.mark.parametrize("fixture", FIXTURES)
def test_check_cells_agree_with_hidden_checks(fixture, hidden, public):
    assert fixture in hidden and fixture in public["cpu"], fixture
    compared = 0
    for cell, (passed, message) in public["cpu"][fixture].items():
        ok, hidden_message = expected_verdict(hidden[fixture], cell)
        assert passed == ok, f"{fixture} {cell}: public {'OK' if passed else message!r}, hidden {hidden_message!r}"
        if not ok:  # the same message; numbers may differ: the hidden probe data is secret (probe_seed.py)
            assert message and _shape(message) in _shape(hidden_message), f"{fixture} {cell}: {message!r} vs hidden {hidden_message!r}"
        compared += 1
    assert compared >= 1, f"{fixture}: no check cell ran"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_a_gpu_runtime_gets_the_same_verdicts(fixture, public):
    assert public["cuda"][fixture] == public["cpu"][fixture]


def test_every_check_cell_is_failed_by_at_least_two_mistakes(public):
    failing = {cell: [f for f, cells in public["cpu"].items() if f != "blank-release" and cell in cells and not cells[cell][0]]
               for cell in CHECK_CELLS}
    assert all(len(f) >= 2 for f in failing.values()), failing
    assert all(ok for ok, _ in public["cpu"]["reference"].values()), public["cpu"]["reference"]
    assert set(public["cpu"]["reference"]) == set(CHECK_CELLS)
