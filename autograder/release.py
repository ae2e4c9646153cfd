"""`python -m autograder release`: source/<assignment> -> release/<assignment>, through nbgrader.

First the check cells of the source notebooks are refreshed from autograder/public_checks (the code
the hidden graders use), so that the source runs the same checks as the release. Then
nbgrader generate_assignment runs in a scratch copy of the course directory (so no gradebook.db
appears in the repository), then every notebook gets an "Open in Colab" cell whose link points to
the public student repository named in pyproject.toml [tool.kit]. Source cells carry ids, so the
output is byte-for-byte the same on every run.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.public_checks import CHECK_CELLS, CODE_CELL_ID, NOTEBOOK_MODULES, check_cell_source, inline_source
from autograder.settings import ASSIGNMENT, REPO, kit_settings

COLAB_CELL_ID = "open-in-colab"


def colab_url(assignment: str, notebook: str) -> str:
    kit = kit_settings()
    return (f"https://colab.research.google.com/github/{kit['colab_repo']}/blob/{kit['colab_branch']}"
            f"/{assignment}/{notebook}")


def insert_colab_link(nb: nbformat.NotebookNode, assignment: str, notebook: str) -> None:
    """Put (or refresh) the "Open in Colab" badge as the first cell."""
    nb.cells = [c for c in nb.cells if c.get("id") != COLAB_CELL_ID]
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    cell = nbformat.v4.new_markdown_cell(f"[![Colab で開く]({badge})]({colab_url(assignment, notebook)})")
    cell["id"] = COLAB_CELL_ID
    nb.cells.insert(0, cell)


def _locked_metadata(grade_id: str) -> dict:
    return {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                         "solution": False, "task": False}}


def sync_check_cells(nb: nbformat.NotebookNode, notebook: str) -> None:
    """Write the public check code and every check cell of notebook from autograder/public_checks.

    The code cell sits just before the first check cell; in Colab it shows as a folded form.
    """
    checks = [i for i, c in enumerate(nb.cells) if c.get("id") in CHECK_CELLS]
    if notebook not in NOTEBOOK_MODULES or not checks:
        return
    for i in checks:
        nb.cells[i].source = check_cell_source(nb.cells[i].id)
    code = [c for c in nb.cells if c.get("id") == CODE_CELL_ID]
    cell = code[0] if code else nbformat.v4.new_code_cell()
    cell["id"] = CODE_CELL_ID
    cell.source = inline_source(notebook)
    cell.metadata = {**_locked_metadata(CODE_CELL_ID), "cellView": "form"}
    cell.outputs, cell.execution_count = [], None
    if not code:
        nb.cells.insert(checks[0], cell)


def sync_sources(course_dir: Path, assignment: str) -> list[Path]:
    """Refresh the check cells of every source notebook; returns the notebooks that changed."""
    changed = []
    for path in sorted((course_dir / "source" / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        sync_check_cells(nb, path.name)
        if nbformat.writes(nb) != before:
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def generate(course_dir: Path, assignment: str, dest: Path) -> list[Path]:
    """Write the student version of every source notebook of assignment into dest (replaced whole)."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copy(course_dir / "nbgrader_config.py", scratch)
        shutil.copytree(course_dir / "source" / assignment, scratch / "source" / assignment)
        sync_sources(scratch, assignment)  # the release's checks always come from autograder/public_checks
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--no-db", "--force"],
            cwd=scratch, capture_output=True, text=True)
        generated = scratch / "release" / assignment
        if done.returncode != 0 or not generated.is_dir():
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout}\n{done.stderr}")
        staging = scratch / "staging"
        staging.mkdir()
        for path in sorted(generated.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            insert_colab_link(nb, assignment, path.name)
            nbformat.write(nb, staging / path.name)
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, dest)
    return sorted(dest.glob("*.ipynb"))


def main(*, course_dir: Path = REPO, assignment: str = ASSIGNMENT, dest: Path | None = None) -> list[Path]:
    """Refresh the check cells of source/ (only when writing the course's own release/), then generate."""
    if dest is None:
        sync_sources(course_dir, assignment)
    return generate(course_dir, assignment, dest or course_dir / "release" / assignment)
