"""Public checks: the check cells of the notebooks, generated from the same code the hidden graders use.

Colab cannot import the kit, so `release` inlines these modules into one read-only cell per notebook
(`inline_source`) and writes each check cell as one call (CHECK_CELLS). Lines marked `# inline: drop`
(imports between these modules) are left out; nothing else is changed.
"""
from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent
CODE_CELL_ID = "public-check-code"
"""grade_id (and cell id) of the cell that holds the inlined check code."""

NOTEBOOK_MODULES = {
    "01_tutorial.ipynb": ("judge", "model_probes", "notebook_checks"),
    "02_gpu.ipynb": ("judge", "function_probes", "function_checks", "notebook_checks"),
    "03_batchnorm.ipynb": ("judge", "model_probes", "notebook_checks"),
    "04_vgg11.ipynb": ("judge", "model_probes", "notebook_checks"),
}

CHECK_CELLS = {
    "check-net": ("Net", "check_net(Net)", ("net.params", "net.shape")),
    "check-get-device": ("get_device", "check_get_device(get_device)", ("get_device.cpu", "get_device.cuda")),
    "check-train-one-epoch": ("train_one_epoch", "check_train_one_epoch(train_one_epoch)",
                              ("train_one_epoch.moves_data", "train_one_epoch.trains")),
    "check-evaluate": ("evaluate", "check_evaluate(evaluate)", ("evaluate.moves_data", "evaluate.accuracy")),
    "check-fit": ("fit", "check_fit(fit)", ("fit.history", "fit.moves_model")),
    "check-bnnet": ("BNNet", "check_bnnet(BNNet)",
                    ("bnnet.bn_placement", "bnnet.params", "bnnet.shape", "bnnet.running_stats")),
    "check-vgg11": ("VGG11", "check_vgg11(VGG11)",
                    ("vgg11.convs", "vgg11.batchnorm", "vgg11.classifier", "vgg11.params", "vgg11.shape")),
}
"""check cell id -> (what it checks, the call it makes, the hidden checks it stands for: all but accuracy)."""

CODE_CELL_TITLE = "# @title チェック用のコード (実行するだけで大丈夫です。編集しないでください)\n"


def _without_docstring_and_drops(text: str) -> str:
    tree = ast.parse(text)
    lines = text.splitlines()
    skip: set[int] = set()
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and isinstance(first.value.value, str):
        skip.update(range(first.lineno - 1, first.end_lineno))
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and "# inline: drop" in lines[node.lineno - 1]:
            skip.update(range(node.lineno - 1, node.end_lineno))
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            skip.update(range(node.lineno - 1, node.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in skip]
    return "\n".join(kept).strip("\n")


def inline_source(notebook: str) -> str:
    """The code cell of notebook: its modules, in order, as one self-contained piece of Python."""
    parts = [CODE_CELL_TITLE.rstrip("\n"),
             "# 提出後の採点と同じ判定を、ここで同じコードで行います (教員側のキットから自動で作られます)。"]
    for name in NOTEBOOK_MODULES[notebook]:
        parts.append(f"\n# ---- {name}.py\n" + _without_docstring_and_drops((HERE / f"{name}.py").read_text("utf-8")))
    return "\n".join(parts) + "\n"


def check_cell_source(cell_id: str) -> str:
    what, call, _ = CHECK_CELLS[cell_id]
    return f"# チェック: {what} (このセルは編集しないでください)\n{call}\n"
