"""Every notebook runs in fast mode (KIT_FAST=1) on real data, as students and instructors will run it."""
import json

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

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


def run(nb, workdir) -> CellExecutionError | None:
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return exc
    return None


def is_solution(cell) -> bool:
    return cell.metadata.get("nbgrader", {}).get("solution", False)


def errored_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]


def check_outputs(nb) -> list[str]:
    """The printed output of every public check cell."""
    return ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_notebook_runs_end_to_end(path, fast_env):
    nb = nbformat.read(path, as_version=4)
    error = run(nb, fast_env)
    assert error is None, f"{path.name}: {error}"
    outputs = check_outputs(nb)
    assert outputs and all(out.strip().splitlines()[-1].startswith("OK") for out in outputs), outputs


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.stem)
def test_release_notebook_stops_at_first_todo(path, fast_env):
    nb = nbformat.read(path, as_version=4)
    error = run(nb, fast_env)
    assert error is not None and error.ename == "NotImplementedError", f"{path.name}: {error}"
    first_todo = next(i for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code")
    assert errored_cells(nb) == [first_todo]


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
