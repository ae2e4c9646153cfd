"""Atomic file writes and safe file names."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace path in one step, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


def safe_name(student: str) -> str:
    """A file name for a student id: letters, digits, '-', '_', '.' and non-ASCII word characters."""
    name = re.sub(r"[^\w.-]", "_", student).strip(".") or "_"
    return name[:120]
