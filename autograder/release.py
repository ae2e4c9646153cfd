"""`python -m autograder release`: source/<assignment> -> release/<assignment>, through nbgrader.

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


def generate(course_dir: Path, assignment: str, dest: Path) -> list[Path]:
    """Write the student version of every source notebook of assignment into dest (replaced whole)."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copy(course_dir / "nbgrader_config.py", scratch)
        shutil.copytree(course_dir / "source" / assignment, scratch / "source" / assignment)
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
    return generate(course_dir, assignment, dest or course_dir / "release" / assignment)
