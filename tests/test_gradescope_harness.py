"""run_autograder always leaves a results.json, and grading needs only requirements-grading.txt."""
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

from autograder.faults import NOT_GRADED

from conftest import REPO

SCHEMA = json.loads((REPO / "tests" / "gradescope" / "results.schema.json").read_text("utf-8"))


def harness(tmp_path, python: str):
    root = tmp_path / "autograder"
    (root / "source" / "kit").mkdir(parents=True)
    shutil.copy(REPO / "autograder" / "gradescope" / "run_autograder", root / "source" / "run_autograder")
    env = {**os.environ, "GRADESCOPE_ROOT": str(root), "KIT_PYTHON": python}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=60)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return done, results


@pytest.mark.parametrize("case", ["python-missing", "python-fails-silently"])
def test_a_broken_harness_still_writes_a_results_json_that_says_so(tmp_path, case):
    if case == "python-missing":
        python, status, says = str(tmp_path / "no-such-venv" / "bin" / "python"), 2, "KIT_PYTHON"
    else:
        python = tmp_path / "python"
        python.write_text("#!/bin/sh\nexit 7\n")
        python.chmod(0o755)
        python, status, says = str(python), 7, "status 7"
    done, results = harness(tmp_path, python)
    assert done.returncode == status, done.stderr
    # Every field is Gradescope's; only the anyOf (a score or tests) refuses it, as for the grader's own faults.
    jsonschema.validate(results, {k: v for k, v in SCHEMA.items() if k != "anyOf"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(results, SCHEMA)
    assert "score" not in results and "tests" not in results, "no score: Gradescope must show a failed run"
    assert results["output"].startswith(NOT_GRADED) and says in results["extra_data"]["not_graded"]


BLOCKED = ("torchvision", "nbgrader", "jupyter", "notebook", "matplotlib", "PIL", "jsonschema", "nbclient")
"""What requirements.txt adds on top of requirements-grading.txt: grading must never import it."""


def test_grading_imports_nothing_beyond_requirements_grading():
    lines = (REPO / "requirements-grading.txt").read_text(encoding="utf-8").splitlines()
    listed = {line.split("#")[0].split(">")[0].split("=")[0].split("<")[0].strip() for line in lines} - {""}
    assert listed == {"torch", "numpy", "nbformat", "pytest", "tqdm", "jinja2"}
    code = (
        "import sys, importlib.abc\n"
        f"BLOCKED = {BLOCKED!r}\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'blocked: {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import autograder.gradescope.run, autograder.grading_process, autograder.graders.plugin\n"
        "import autograder.sandbox.child, autograder.graders.short_run\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
