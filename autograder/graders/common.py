"""Checks shared by the three model graders."""
from __future__ import annotations

import torch

from autograder.graders.context import GradingContext
from autograder.graders.graph_model import parameter_count
from autograder.graders.results import CheckFailed, expect
from autograder.graders.short_run import RUNS


def check_params(submission: GradingContext, name: str, target: int) -> None:
    count = parameter_count(submission.model(name))
    expect(count == target, f"{name} のパラメータ数が目標と違います (目標 {target:,} / あなたのモデル {count:,})。")


def check_output_shapes(submission: GradingContext, name: str, train_sizes=(2, 7), eval_sizes=(1,)) -> None:
    """Output (N, 10) for each N, in train and eval mode; a view(-1, ...) that mixes the batch fails odd N."""
    model = submission.model(name)
    torch.manual_seed(0)
    for training, sizes in ((True, train_sizes), (False, eval_sizes)):
        model.train(training)
        mode = "学習モード" if training else "評価モード"
        for n in sizes:
            try:
                with torch.no_grad():
                    shape = tuple(model(torch.randn(n, 3, 32, 32)).shape)
            except Exception as exc:
                raise _shape_error(name, n, mode, exc) from None
            expect(shape == (n, 10), f"{name} に {n} 枚入れたときの出力 ({mode}) が ({n}, 10) ではなく {shape} でした。"
                                     "平らにするときの次元数 (view / flatten) を見直しましょう。")


def _shape_error(name: str, n: int, mode: str, exc: Exception) -> CheckFailed:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    return CheckFailed(f"{name} に {n} 枚入れると ({mode}) エラーになりました: {text}")


def check_accuracy(submission: GradingContext, name: str) -> None:
    cfg = RUNS[name]
    acc = submission.accuracy(name)
    expect(acc >= cfg.threshold,
           f"採点用の短い学習 ({cfg.steps} ステップ) の後のテスト正解率が {acc:.1f}% で、基準 {cfg.threshold:.0f}% に届きません。"
           "forward で層がつながっているか、出力が学習で変わるかを確かめましょう。")
