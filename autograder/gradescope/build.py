"""`python -m autograder gradescope --out autograder.zip`: the bundle Gradescope's autograder takes.

The zip unpacks to /autograder/source and holds, at its root: setup.sh and run_autograder (Gradescope's
contract), kit/ (the autograder package, requirements.txt, pyproject.toml: no solutions, no sources)
and data/grader-subsets/ (the fixed CIFAR-10 subsets the accuracy runs use, decoded here from the
instructor's copy, so that grading downloads nothing: the subsets, never the dataset).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import torch

from autograder.batch import open_cache
from autograder.data import ensure_available, load_subset, resolve_root, subset_file
from autograder.graders.short_run import TEST_PER_CLASS, TEST_SEED, TRAIN_PER_CLASS, TRAIN_SEED
from autograder.pipeline import prepare
from autograder.proof import require
from autograder.settings import REPO

HERE = Path(__file__).parent
KIT_FILES = ("requirements.txt", "requirements-grading.txt", "pyproject.toml")
SUBSETS = (("train", TRAIN_PER_CLASS, TRAIN_SEED), ("test", TEST_PER_CLASS, TEST_SEED))


def _package_files(repo: Path) -> list[Path]:
    """The autograder package's source files (no caches, no compiled files; setup.sh and run_autograder
    go to the bundle's root only)."""
    at_root = {HERE / "setup.sh", HERE / "run_autograder"}
    return sorted(p for p in (repo / "autograder").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
                  and p not in at_root)


def _entry(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # fixed: the same bundle bytes every time
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def main(*, out: Path, data_root: str | Path | None = None, repo: Path = REPO) -> Path:
    """Prove this machine's set-up (the references full marks, the blank release zero: the bundle ships
    neither, so the container cannot prove itself), then write the bundle to out; returns out."""
    root = resolve_root(data_root)
    ensure_available(root)
    setup = prepare(root)
    require(setup, cache=open_cache(setup))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        _entry(zf, "setup.sh", (HERE / "setup.sh").read_bytes(), executable=True)
        _entry(zf, "run_autograder", (HERE / "run_autograder").read_bytes(), executable=True)
        for path in _package_files(repo):
            _entry(zf, f"kit/{path.relative_to(repo)}", path.read_bytes())
        for name in KIT_FILES:
            _entry(zf, f"kit/{name}", (repo / name).read_bytes())
        for split, per_class, seed in SUBSETS:
            images, labels = load_subset(root, split == "train", per_class, seed)
            blob = io.BytesIO()
            torch.save({"images": images, "labels": labels}, blob)
            _entry(zf, f"data/{subset_file(Path(''), split, per_class, seed)}", blob.getvalue())
    return out
