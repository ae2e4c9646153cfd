"""ReadNotebook: bytes on disk -> code cells, for nbformat 3 and 4, tolerating damage."""
from __future__ import annotations

import json
import os

from autograder.collect.find_submissions import refusal
from autograder.extract.model import NotebookDefs

MAX_BYTES = 100 * 1024 * 1024


class ReadNotebook:
    """Read the file (never write it) and collect the source of every code cell."""

    def apply(self, nb: NotebookDefs) -> None:
        raw = self._read(nb)
        if raw is None:
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            nb.notes.append(f"{nb.name}: UTF-8 として読めない文字があったので置き換えて読みました。")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            nb.notes.append(f"{nb.name}: ノートブックのファイルが壊れています (JSON の {e.lineno} 行目: {e.msg})。")
            return
        if not isinstance(data, dict):
            nb.notes.append(f"{nb.name}: ノートブックの形式ではありません。")
            return
        if isinstance(data.get("worksheets"), list):  # nbformat 3
            raw_cells = [c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
        else:
            raw_cells = data.get("cells", [])
        if not isinstance(raw_cells, list):
            raw_cells = []
        index = 0
        for cell in raw_cells:
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            index += 1
            source = cell.get("source", cell.get("input", ""))
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            if isinstance(source, str) and source.strip():
                nb.cells.append((index, source))
        if not nb.cells:
            nb.notes.append(f"{nb.name}: コードの入ったセルがありません。")

    @staticmethod
    def _read(nb: NotebookDefs) -> bytes | None:
        """The file's bytes, opened without following links; None (and a note) for anything but a plain file."""
        try:
            fd = os.open(nb.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            why = refusal(nb.path, nb.path.lstat()) if nb.path.is_symlink() else None
            nb.notes.append(why or f"{nb.name}: ファイルを開けませんでした ({exc.strerror})。")
            return None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            why = refusal(nb.path, st)
            if why:
                nb.notes.append(why)
                return None
            if st.st_size > MAX_BYTES:
                nb.notes.append(f"{nb.name}: ファイルが大きすぎるため読みませんでした ({st.st_size // 2**20} MB)。")
                return None
            return f.read(MAX_BYTES + 1)
