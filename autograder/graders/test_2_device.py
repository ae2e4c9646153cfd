"""02_gpu: device choice and device transfer, proven on a CPU-only machine.

The probes and the judge are public_checks/function_probes.py: 02's check cells run the same code.
"""
import pytest

from autograder.graders.results import CheckFailed
from autograder.public_checks.function_checks import function_problems


def _problem(submission, name: str, check: str) -> None:
    returned = submission.function(name)
    saved = {}
    if name == "train_one_epoch":
        saved = {key: submission.probe_tensor(key) for key in ("train_one_epoch.weight", "train_one_epoch.bias")}
        if any(v is None for v in saved.values()):
            raise CheckFailed("train_one_epoch の後の重みを確かめられませんでした。")
    problem = function_problems(name, returned, saved, submission.probe_inputs)[check]
    if problem:
        raise CheckFailed(problem)


@pytest.mark.check("get_device.cpu", "get_device: GPU がないとき", points=1)
def test_get_device_cpu(submission):
    _problem(submission, "get_device", "get_device.cpu")


@pytest.mark.check("get_device.cuda", "get_device: GPU があるとき", points=1)
def test_get_device_cuda(submission):
    _problem(submission, "get_device", "get_device.cuda")


@pytest.mark.check("train_one_epoch.moves_data", "train_one_epoch: 入力とラベルを device へ", points=2)
def test_train_one_epoch_moves_data(submission):
    _problem(submission, "train_one_epoch", "train_one_epoch.moves_data")


@pytest.mark.check("train_one_epoch.trains", "train_one_epoch: 学習して平均損失を返す", points=2)
def test_train_one_epoch_trains(submission):
    _problem(submission, "train_one_epoch", "train_one_epoch.trains")


@pytest.mark.check("evaluate.moves_data", "evaluate: 画像とラベルを device へ", points=2)
def test_evaluate_moves_data(submission):
    _problem(submission, "evaluate", "evaluate.moves_data")


@pytest.mark.check("evaluate.accuracy", "evaluate: 正解率をパーセントで返す", points=1)
def test_evaluate_accuracy(submission):
    _problem(submission, "evaluate", "evaluate.accuracy")


@pytest.mark.check("fit.history", "fit: エポックごとの記録", points=1)
def test_fit_history(submission):
    _problem(submission, "fit", "fit.history")


@pytest.mark.check("fit.moves_model", "fit: モデルを device へ", points=2)
def test_fit_moves_model(submission):
    _problem(submission, "fit", "fit.moves_model")
