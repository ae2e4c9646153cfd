"""What the extraction steps pass along."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.text import NAME_LIMIT, clean_text


@dataclass
class Snippet:
    """One top-level statement kept from a notebook."""

    cell: int
    """1-based index of the code cell it came from."""
    code: str
    """The statement's source, as ast.unparse writes it."""


@dataclass
class NotebookDefs:
    """One notebook on its way through the extraction steps."""

    path: Path
    """The submitted file; it is only ever read."""
    cells: list[tuple[int, str]] = field(default_factory=list)
    """(1-based code cell index, source) of each code cell, in notebook order."""
    snippets: list[Snippet] = field(default_factory=list)
    """The definitions kept by KeepDefinitions, in notebook order."""
    defined: set[str] = field(default_factory=set)
    """Top-level names that the kept snippets define."""
    notes: list[str] = field(default_factory=list)
    """Japanese remarks for the student: unreadable file, dropped cells, ..."""

    @property
    def name(self) -> str:
        """The file name, printable (it may hold any bytes)."""
        return clean_text(self.path.name, NAME_LIMIT)


@dataclass
class Extraction:
    """Everything the sandbox needs to run one submission's definitions."""

    notebooks: list[NotebookDefs]
    """Every notebook of the submission, after the notebook steps."""
    chosen: dict[str, int]
    """Graded name -> index in notebooks of the notebook whose definition is graded."""
    notes: dict[str, list[str]]
    """Graded name -> Japanese remarks on how (or whether) it was found."""
