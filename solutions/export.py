"""Export a trusted module (a reference solution) through the child's code path, in this process.

For tests and benchmarks only (it lives beside the reference solutions, outside the grading pipeline).
Student code never comes here: it is exported in the sandbox.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch

from autograder.graders.graph_model import GraphModel, load_model
from autograder.sandbox import child


def export_trusted(factory, name: str = "Model") -> GraphModel:
    """factory() -> nn.Module; returns the GraphModel the grader would rebuild from its artifacts."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report = child.export_model(factory, name, torch, out=str(out))
        if not report.get("exported"):
            raise RuntimeError(json.dumps(report, ensure_ascii=False))
        return load_model(out / f"{name}.graph.json", out / f"{name}.weights.pt")
