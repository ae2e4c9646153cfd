"""Stage 2: notebooks -> definitions only. Nothing here runs student code; it only parses it.

A stage is an ordered list of steps, each a small class in its own file (as in nbgrader):
ReadNotebook -> StripMagics -> KeepDefinitions, per notebook; then PickAnswers across notebooks.
"""
from __future__ import annotations

from autograder.collect import Submission
from autograder.extract.keep_definitions import KeepDefinitions
from autograder.extract.model import Extraction, NotebookDefs, Snippet
from autograder.extract.pick_answers import PickAnswers
from autograder.extract.read_notebook import ReadNotebook
from autograder.extract.strip_magics import StripMagics

NOTEBOOK_STEPS = (ReadNotebook(), StripMagics(), KeepDefinitions())


def extract(submission: Submission) -> Extraction:
    notebooks = []
    for path in submission.notebooks:
        nb = NotebookDefs(path=path)
        for step in NOTEBOOK_STEPS:
            step.apply(nb)
        notebooks.append(nb)
    return PickAnswers().apply(notebooks)


__all__ = ["Extraction", "NotebookDefs", "Snippet", "extract"]
