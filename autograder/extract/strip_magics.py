"""StripMagics: IPython magics and shell escapes become `pass`, so the cell still parses."""
from __future__ import annotations

import re

from autograder.extract.model import NotebookDefs

# `!pip install x`, `%matplotlib inline`, `files = !ls`, `t = %timeit f()`
# Linear time on any line: the assignment target allows no whitespace run that could backtrack.
_MAGIC_LINE = re.compile(r"^([ \t]*)(?:[!%]|[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*[!%])")
# Cell magics whose body is ordinary Python.
_PYTHON_CELL_MAGICS = {"time", "capture", "timeit"}


class StripMagics:
    def apply(self, nb: NotebookDefs) -> None:
        kept = []
        for index, source in nb.cells:
            lines = source.splitlines()
            head = next((line.strip() for line in lines if line.strip()), "")
            if head.startswith("%%"):
                magic = head[2:].split()[0] if head[2:].split() else ""
                if magic not in _PYTHON_CELL_MAGICS:
                    nb.notes.append(f"{nb.name} セル {index}: %%{magic} のセルは Python として読めないので使いません。")
                    continue
                lines = lines[[line.strip() for line in lines].index(head) + 1:]
            kept.append((index, "\n".join(self._strip(line) for line in lines)))
        nb.cells = kept

    @staticmethod
    def _strip(line: str) -> str:
        match = _MAGIC_LINE.match(line)
        return f"{match.group(1)}pass" if match else line
