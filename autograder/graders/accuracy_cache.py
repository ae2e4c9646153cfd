"""Accuracies of the grader's short runs, kept by the main process and lent to each grading process.

Identical artifacts train identically, so a model already trained in this batch (or, when children
are isolated, in an earlier batch on this machine) is not trained again. The grading process reports
each new entry the moment it has it; only the main process writes the cache folder.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from autograder.files import write_atomic

_KEY = re.compile(r"[0-9a-f]{64}")


def valid_entry(key: object, accuracy: object) -> bool:
    return (isinstance(key, str) and _KEY.fullmatch(key) is not None and isinstance(accuracy, float)
            and math.isfinite(accuracy) and 0.0 <= accuracy <= 100.0)


class AccuracyCache:
    """Key (a hash of the artifacts, the run settings and the training code) -> accuracy in percent."""

    def __init__(self, known: dict[str, float] | None = None, on_new=None):
        self.known = dict(known or {})
        self.on_new = on_new or (lambda key, accuracy: None)

    def get(self, key: str) -> float | None:
        return self.known.get(key)

    def put(self, key: str, accuracy: float) -> None:
        self.known[key] = accuracy
        self.on_new(key, accuracy)


def load_folder(folder: Path | None) -> dict[str, float]:
    """Every valid entry of the cache folder (none when folder is None or missing)."""
    found = {}
    try:
        paths = sorted(folder.glob("*.json")) if folder and folder.is_dir() else []
    except OSError:  # unreadable: the batch runs uncached
        paths = []
    for path in paths:
        try:
            accuracy = json.loads(path.read_text())["accuracy"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if valid_entry(path.stem, accuracy):
            found[path.stem] = accuracy
    return found


def save_entry(folder: Path, key: str, accuracy: float) -> None:
    if valid_entry(key, accuracy):
        write_atomic(folder / f"{key}.json", json.dumps({"accuracy": accuracy}))
