"""Every notebook runs in fast mode (KIT_FAST=1) on real data, as students and instructors will run it."""
import json

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.public_checks import CHECK_CELLS
from autograder.settings import ASSIGNMENT

from conftest import REPO

SOURCES = sorted((REPO / "source" / ASSIGNMENT).glob("*.ipynb"))
RELEASES = sorted((REPO / "release" / ASSIGNMENT).glob("*.ipynb"))
pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture
def fast_env(data_root, monkeypatch, tmp_path):
    monkeypatch.setenv("CIFAR10_ROOT", str(data_root))
    monkeypatch.setenv("KIT_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


STUB_MESSAGE = "TODO: ここを実装してください"
"""What nbgrader puts in place of a solution (nbgrader_config.py); a check of a blank TODO must show it."""


def run(nb, workdir, allow_errors: bool = False) -> CellExecutionError | None:
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return exc
    return None


def is_solution(cell) -> bool:
    return cell.metadata.get("nbgrader", {}).get("solution", False)


def errored_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]


def check_cells(nb) -> list:
    return [c for c in nb.cells if c.get("id") in CHECK_CELLS]


def check_outputs(nb) -> list[str]:
    """The printed output of every public check cell."""
    return ["".join(o.get("text", "") for o in c.outputs) for c in check_cells(nb)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_notebook_runs_end_to_end(path, fast_env):
    nb = nbformat.read(path, as_version=4)
    error = run(nb, fast_env)
    assert error is None, f"{path.name}: {error}"
    outputs = check_outputs(nb)
    assert outputs and all(out.strip().splitlines()[-1].startswith("OK") for out in outputs), outputs


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.stem)
def test_blank_release_fails_at_first_todo_and_every_check_names_the_stub(path, fast_env):
    """Run all cells, errors allowed: the first error is the first TODO, and each check cell fails with
    CheckFailed quoting the stub's message (never OK, never an unrelated error)."""
    nb = nbformat.read(path, as_version=4)
    run(nb, fast_env, allow_errors=True)
    first_todo = next(i for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code")
    assert errored_cells(nb)[0] == first_todo
    checks = check_cells(nb)
    assert checks
    for cell in checks:
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert errors and errors[0]["ename"] == "CheckFailed" and STUB_MESSAGE in errors[0]["evalue"], (cell.id, cell.outputs)


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.stem)
def test_release_with_reference_answers_passes_public_checks(path, fast_env):
    nb = nbformat.read(path, as_version=4)
    source = {c["id"]: c for c in json.loads((REPO / "source" / ASSIGNMENT / path.name).read_text("utf-8"))["cells"]}
    answered = 0
    for cell in nb.cells:
        if is_solution(cell):
            cell.source = "".join(source[cell.id]["source"])
            answered += 1
    assert answered >= 1
    error = run(nb, fast_env)
    assert error is None, f"{path.name}: {error}"
    outputs = check_outputs(nb)
    assert outputs and all(out.strip().splitlines()[-1].startswith("OK") for out in outputs), outputs
