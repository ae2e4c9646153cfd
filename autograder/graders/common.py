"""Checks shared by the three model graders: measurements of the rebuilt graph, judged by public_checks/judge.py."""
from __future__ import annotations

import statistics

from autograder.graders.context import GradingContext
from autograder.graders.graph_model import parameter_count
from autograder.graders.results import CheckFailed, expect
from autograder.graders.short_run import RUNS
from autograder.public_checks import judge
from autograder.public_checks.model_probes import running_stats_problem, shapes_problem


def refuse(problem: str | None) -> None:
    """Fail the check with the judge's message, if it found a problem."""
    if problem:
        raise CheckFailed(problem)


def check_params(submission: GradingContext, name: str, target: int) -> None:
    refuse(judge.params_problem(name, parameter_count(submission.model(name)), target))


def check_output_shapes(submission: GradingContext, name: str) -> None:
    """Output (N, 10) for each N, in train and eval mode; a view(-1, ...) that mixes the batch fails odd N."""
    refuse(shapes_problem(submission.model(name), name))


def check_running_stats(submission: GradingContext, name: str) -> None:
    refuse(running_stats_problem(submission.model(name)))


def check_accuracy(submission: GradingContext, name: str) -> None:
    """Seed 0's accuracy decides; near the threshold, the median of three seeds (short_run.MARGIN)."""
    cfg = RUNS[name]
    runs = submission.accuracy(name)
    acc = statistics.median(runs)
    seeds = ""
    if len(runs) > 1:
        seeds = (f"基準に近かったため乱数の種を変えて {len(runs)} 回学習し、その中央値で判定しました "
                 f"({', '.join(f'{a:.1f}%' for a in runs)})。")
    expect(acc >= cfg.threshold,
           f"採点用の短い学習 ({cfg.steps} ステップ) の後のテスト正解率が {acc:.1f}% で、基準 {cfg.threshold:.0f}% に届きません。"
           f"{seeds}forward で層がつながっているか、出力が学習で変わるかを確かめましょう。")
