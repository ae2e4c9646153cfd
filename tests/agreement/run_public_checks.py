"""Run the release notebooks' check cells against submissions, as a student's Colab session would.

    python tests/agreement/run_public_checks.py OUT.json SUBMITTED [SUBMITTED ...] [--cuda-available]

For each student folder: the kit extracts the definitions (as the grader does), they run in one
fresh namespace, then the public check code cell of each release notebook and every check cell whose
name the student defined. OUT.json: {student: {check cell id: [passed, message]}}. Only for honest
fixtures: student code runs in this process. --cuda-available makes torch.cuda.is_available() say
True, as on a GPU runtime (the checks must not care).
"""
from __future__ import annotations

import builtins
import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import torch

from autograder.collect import find_submissions
from autograder.extract import extract
from autograder.public_checks import CHECK_CELLS, CODE_CELL_ID
from autograder.sandbox.child import run_module
from autograder.settings import ASSIGNMENT, REPO


def release_cells() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """notebook name -> (its public check code, [(check cell id, source), ...]) from release/."""
    out = {}
    for path in sorted((REPO / "release" / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = next((c.source for c in nb.cells if c.get("id") == CODE_CELL_ID), None)
        checks = [(c.id, c.source) for c in nb.cells if c.get("id") in CHECK_CELLS]
        if code and checks:
            out[path.name] = (code, checks)
    return out


def run_student(sub, cells) -> dict[str, list]:
    extraction = extract(sub)
    ns: dict = {"__name__": "__student__", "__builtins__": builtins}
    for nb in extraction.notebooks:
        module = {"name": nb.name, "snippets": [{"cell": s.cell, "code": s.code} for s in nb.snippets]}
        ns_one, _ = run_module(module)
        ns.update({k: v for k, v in ns_one.items() if k in extraction.chosen or k not in ns})
    verdicts = {}
    for code, checks in cells.values():
        for cell_id, source in checks:
            name = CHECK_CELLS[cell_id][0]
            if name not in extraction.chosen:
                continue
            scope = dict(ns)
            printed = io.StringIO()
            try:
                with redirect_stdout(printed):
                    exec(compile(code, f"<{CODE_CELL_ID}>", "exec"), scope)
                    exec(compile(source, f"<{cell_id}>", "exec"), scope)
                lines = printed.getvalue().strip().splitlines()
                verdicts[cell_id] = [bool(lines) and lines[-1].startswith("OK"), lines[-1] if lines else ""]
            except Exception as exc:  # CheckFailed, or a check that could not even start
                verdicts[cell_id] = [False, str(exc) if type(exc).__name__ == "CheckFailed" else f"{type(exc).__name__}: {exc}"]
    return verdicts


def main(argv: list[str]) -> int:
    out, folders = Path(argv[0]), [Path(a) for a in argv[1:] if not a.startswith("--")]
    if "--cuda-available" in argv:
        torch.cuda.is_available = lambda: True
    torch.set_num_threads(1)
    cells = release_cells()
    results = {sub.student: run_student(sub, cells) for folder in folders for sub in find_submissions(folder)}
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
