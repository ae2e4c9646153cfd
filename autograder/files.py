"""Atomic file writes and safe file names."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomic(path: Path, data: str | bytes | Callable[[BinaryIO], None]) -> None:
    """Replace path in one step, so a reader never sees half a file. data: text, bytes, or a function
    that writes into the open binary file (torch.save, for example). A failed write leaves no file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_name(student: str) -> str:
    """A file name for a student id: letters, digits, '-', '_', '.' and non-ASCII word characters."""
    name = re.sub(r"[^\w.-]", "_", student).strip(".") or "_"
    return name[:120]
