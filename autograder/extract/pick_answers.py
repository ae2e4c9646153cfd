"""PickAnswers: decide which notebook's definition of each graded name is graded.

Answers are found by name only (never by cell position or nbgrader metadata). When several
notebooks define a name, the one whose file name matches the name's own exercise wins; among
copies of that notebook ("04_vgg11 (2).ipynb"), the highest copy number is taken as the newest.
"""
from __future__ import annotations

import re

from autograder.extract.model import Extraction, NotebookDefs
from autograder.settings import FUNCTION_NAMES, HOME_NOTEBOOK, MODEL_NAMES

_COPY_NUMBER = re.compile(r"\((\d+)\)")


def exercise_of(filename: str) -> str | None:
    """'Copy of 04_vgg11 (1).ipynb' -> '04_vgg11'; None for an unknown notebook."""
    lowered = filename.lower()
    return next((stem for stem in sorted(set(HOME_NOTEBOOK.values())) if stem in lowered), None)


def _copy_number(filename: str) -> int:
    found = _COPY_NUMBER.findall(filename)
    return int(found[-1]) if found else 0


class PickAnswers:
    def apply(self, notebooks: list[NotebookDefs]) -> Extraction:
        chosen: dict[str, int] = {}
        notes: dict[str, list[str]] = {}
        for name in MODEL_NAMES + FUNCTION_NAMES:
            holders = [i for i, nb in enumerate(notebooks) if name in nb.defined]
            notes[name] = []
            if not holders:
                notes[name].append(f"{name} の定義がどのノートブックにも見つかりませんでした。")
                continue
            home = HOME_NOTEBOOK[name]

            def rank(i: int) -> tuple[bool, int, str]:
                nb = notebooks[i]
                return (exercise_of(nb.name) == home, _copy_number(nb.name), nb.name)

            pick = max(holders, key=rank)
            chosen[name] = pick
            # 02_gpu defines its own Net on purpose; any other second definition is worth a remark.
            others = [i for i in holders if i != pick and not (name == "Net" and exercise_of(notebooks[i].name) == "02_gpu")]
            if others:
                names = ", ".join(notebooks[i].name for i in holders)
                notes[name].append(f"{name} は複数のノートブック ({names}) にあります。{notebooks[pick].name} の定義を採点しました。")
        return Extraction(notebooks=notebooks, chosen=chosen, notes=notes)
