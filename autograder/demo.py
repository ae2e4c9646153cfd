"""`python -m autograder demo`: build example submissions from source/ and release/, grade them, print the table.

The examples are the reference answers, the blank release, and typical mistakes, each made by
editing one cell of the reference notebooks. tests/test_demo.py pins the exact points of each one.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder import grade
from autograder.graders.results import StudentResult
from autograder.settings import ASSIGNMENT, REPO

# student -> (notebook stem, cell id, [(old, new), ...]) applied to the reference notebooks
MISTAKES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "bn-missing": ("03_batchnorm", "bnnet", [
        *[(f"        self.bn_conv{i} = nn.BatchNorm2d({c})\n", "") for i, c in ((1, 32), (2, 32), (3, 64), (4, 64))],
        ("        self.bn_fc1 = nn.BatchNorm1d(512)\n", ""),
        *[(f"self.bn_conv{i}(self.conv{i}(x))", f"self.conv{i}(x)") for i in range(1, 5)],
        ("self.bn_fc1(self.fc1(x))", "self.fc1(x)"),
    ]),
    "wrong-flatten": ("04_vgg11", "vgg11", [("self.flat_features = 512 * 1 * 1", "self.flat_features = 512 * 2 * 2")]),
    "labels-not-moved": ("02_gpu", "train-one-epoch", [
        ("inputs, labels = inputs.to(device), labels.to(device)", "inputs = inputs.to(device)"),
    ]),
    "four-poolings": ("04_vgg11", "vgg11", [
        ("x = self.pool(self.block5b(self.block5a(x)))  # (N, 512, 1, 1)", "x = self.block5b(self.block5a(x))"),
        ("self.flat_features = 512 * 1 * 1", "self.flat_features = 512 * 2 * 2"),
    ]),
    # The output no longer depends on the weights: nothing can be learned.
    "does-not-learn": ("01_tutorial", "net", [("        x = self.fc3(x)\n", "        x = self.fc3(x) * 0.0\n")]),
}


def _copy_set(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for nb in sorted(src.glob("*.ipynb")):
        shutil.copy(nb, dest / nb.name)


def apply_mistake(folder: Path, stem: str, cell_id: str, edits: list[tuple[str, str]]) -> None:
    path = folder / f"{stem}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    for old, new in edits:
        assert old in cell.source, f"demo edit no longer matches source/{ASSIGNMENT}/{stem}.ipynb cell {cell_id}: {old!r}"
        cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)


def build_examples(dest: Path, course_dir: Path = REPO) -> Path:
    """dest/<student>/<assignment>/*.ipynb for every example; returns dest."""
    if dest.exists():
        shutil.rmtree(dest)
    source, release = course_dir / "source" / ASSIGNMENT, course_dir / "release" / ASSIGNMENT
    _copy_set(source, dest / "reference" / ASSIGNMENT)
    _copy_set(release, dest / "blank-release" / ASSIGNMENT)
    for student, (stem, cell_id, edits) in MISTAKES.items():
        folder = dest / student / ASSIGNMENT
        _copy_set(source, folder)
        apply_mistake(folder, stem, cell_id, edits)
    return dest


def table(results: list[StudentResult]) -> str:
    width = max(len(r.student) for r in results)
    lines = [f"{'student':<{width}}  points  failed checks"]
    for r in sorted(results, key=lambda r: r.student):
        failed = ", ".join(c.check for c in r.checks if not c.passed) or "-"
        if not r.graded:
            failed = f"not graded: {r.fault}"
        total = f"{r.total:g}" if r.graded else "-"
        lines.append(f"{r.student:<{width}}  {total:>2}/{r.max_total:<3g}  {failed}")
    return "\n".join(lines)


def main(*, out: Path = Path("demo-out"), data_root=None, jobs: int | None = None,
         threads: int | None = None) -> tuple[list[StudentResult], list[str]]:
    submitted = build_examples(Path(out) / "submitted")
    return grade.main(submitted=submitted, out=Path(out) / "grades", data_root=data_root, jobs=jobs, threads=threads)
