"""Find every student's notebooks, in nbgrader's layout or a folder per student."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """One student's hand-in."""

    student: str
    """Student id: the folder name (or a loose notebook's file stem)."""
    notebooks: tuple[Path, ...] = field(default_factory=tuple)
    """Every .ipynb found for the student, sorted by path; may be empty."""


def _notebooks_below(folder: Path) -> tuple[Path, ...]:
    found = [p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()]
    return tuple(sorted(found))


def find_submissions(submitted: Path) -> list[Submission]:
    """SUBMITTED/<student>/[<assignment>/]*.ipynb, plus loose SUBMITTED/*.ipynb as their own students.

    Raises NotADirectoryError when submitted is not a folder.
    """
    if not submitted.is_dir():
        raise NotADirectoryError(f"submission folder not found: {submitted}")
    subs = []
    for entry in sorted(submitted.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            subs.append(Submission(entry.name, _notebooks_below(entry)))
        elif entry.suffix == ".ipynb":
            subs.append(Submission(entry.stem, (entry,)))
    return subs
