"""The Gradescope bundle, run as Gradescope runs it: unpacked into a root, run_autograder, results.json.

The root is moved by GRADESCOPE_ROOT (Gradescope's is /autograder) and Python by KIT_PYTHON (setup.sh
makes /opt/kit-venv; here the checkout's venv stands in, since setup.sh needs the network). The score
must equal `grade`'s total for the same student: the reference, the blank release and one mistake.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from autograder.graders.plugin import all_checks

from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.realdata]
SCHEMA = json.loads((REPO / "tests" / "gradescope" / "results.schema.json").read_text("utf-8"))
STUDENTS = ("reference", "blank-release", "bn-missing")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(out), "--data-root", str(data_root)],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def unpack(bundle, root):
    """As Gradescope does: the zip's root becomes ROOT/source, with the files' modes."""
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            path = zf.extract(info, root / "source")
            os.chmod(path, (info.external_attr >> 16) & 0o777 or 0o644)


def test_bundle_has_the_contract_files_and_no_private_material(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert "setup.sh" in names and "run_autograder" in names
    assert {"data/grader-subsets/train-4000-0.pt", "data/grader-subsets/test-200-1.pt"} <= set(names)
    assert "kit/autograder/gradescope/run.py" in names and "kit/requirements.txt" in names
    forbidden = ("solutions/", "source/", "release/", "tests/", ".ipynb", "__pycache__")
    assert not [n for n in names if any(f in n for f in forbidden)]
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zipfile.ZipFile(bundle).infolist()}
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR


@pytest.fixture(scope="module")
def examples(demo_graded):
    """The demo's example submissions (the same folders `grade` graded for the demo)."""
    return demo_graded[0] / "submitted"


@pytest.fixture(scope="module")
def graded_by_grade(demo_graded):
    return {g["student"]: g for g in json.loads((demo_graded[0] / "grades" / "grades.json").read_text("utf-8"))}


@pytest.fixture(scope="module")
def gradescope_root(bundle, tmp_path_factory):
    root = tmp_path_factory.mktemp("autograder")
    unpack(bundle, root)
    return root


def run_autograder(root, notebooks_from):
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.copytree(notebooks_from, submission)
    (root / "results" / "results.json").unlink(missing_ok=True)
    env = {**os.environ, "GRADESCOPE_ROOT": str(root), "KIT_PYTHON": sys.executable}
    env.pop("CIFAR10_ROOT", None)  # the bundle's own subsets, nothing else
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True)
    return done, json.loads((root / "results" / "results.json").read_text("utf-8"))


@pytest.mark.parametrize("student", STUDENTS)
def test_score_equals_grade_total_and_results_follow_the_schema(student, gradescope_root, examples, graded_by_grade):
    done, results = run_autograder(gradescope_root, examples / student / "ex01")
    assert done.returncode == 0, done.stderr[-2000:]
    jsonschema.validate(results, SCHEMA)
    expected = graded_by_grade[student]
    assert results["score"] == expected["total"], (results["output"], done.stderr[-1000:])
    tests = {t["number"]: t for t in results["tests"]}
    assert list(tests) == [c for c, _, _ in all_checks()]
    for check in expected["checks"]:
        test = tests[check["check"]]
        assert (test["score"], test["status"] == "passed", test["output"]) == (check["points"], check["passed"], check["message"])
    assert sum(t["max_score"] for t in results["tests"]) == 44
    assert "def test_" not in json.dumps(results) and "import pytest" not in json.dumps(results)


def test_a_grader_that_cannot_start_fails_visibly_without_a_score(gradescope_root, examples):
    """A fault of the grader is never a score: results.json says why and carries neither a score nor
    tests, which Gradescope shows as a failed autograder run (the schema's anyOf refuses it)."""
    shipped = gradescope_root / "source" / "data" / "grader-subsets" / "test-200-1.pt"
    shipped.rename(shipped.with_suffix(".away"))
    try:
        done, results = run_autograder(gradescope_root, examples / "reference" / "ex01")
    finally:
        shipped.with_suffix(".away").rename(shipped)
    assert done.returncode == 2
    assert "score" not in results and "tests" not in results
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(results, SCHEMA)
    assert "採点できませんでした" in results["output"] and "not graded" in results["output"]
