"""TEACHING_POINTS.md maps every teaching point of lesson 1 to the source cell that teaches it."""
import json

import pytest

from autograder.settings import ASSIGNMENT

from conftest import REPO

TABLE = REPO / "TEACHING_POINTS.md"


def rows() -> list[tuple[str, list[str], str, str]]:
    found = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("Teaching point", "---"):
            point, notebooks, cell_id, phrase = cells
            found.append((point, [n.strip() for n in notebooks.split(",")], cell_id, phrase))
    return found


def test_the_table_covers_every_notebook():
    listed = {nb for _, notebooks, _, _ in rows() for nb in notebooks}
    assert len(rows()) >= 40
    assert listed == {p.stem for p in (REPO / "source" / ASSIGNMENT).glob("*.ipynb")}


@pytest.mark.parametrize("point,notebooks,cell_id,phrase", rows(), ids=[r[0][:40] for r in rows()])
def test_each_point_is_taught_where_the_table_says(point, notebooks, cell_id, phrase):
    for notebook in notebooks:
        cells = json.loads((REPO / "source" / ASSIGNMENT / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
        source = next(("".join(c["source"]) for c in cells if c.get("id") == cell_id), None)
        assert source is not None, f"{notebook} has no cell {cell_id!r} ({point})"
        assert phrase in source, f"{notebook} cell {cell_id!r} no longer contains {phrase!r} ({point})"
