"""02_gpu: device choice and device transfer, proven on a CPU-only machine (see probes.py)."""
import math

import pytest
import torch

from autograder.graders import probes
from autograder.graders.context import Device, Unknown
from autograder.graders.results import CheckFailed, expect
from autograder.text import clean_text

NOT_MOVED = {
    "inputs": "入力 (画像) が device に移されていません。",
    "labels": "ラベルが device に移されていません。",
    "neither": "入力もラベルも device に移されていません。",
}


def _kind(value) -> str:
    """The real type of a returned value, as the feedback names it."""
    return str(value) if isinstance(value, Unknown) else type(value).__name__


def _number(value, what: str) -> float:
    expect(type(value) is float, f"{what}を数値 (float) で返してください (返ってきた型: {_kind(value)})。")
    return value


def _device_answer(submission, available: bool) -> Device:
    answers = submission.function("get_device")
    answer = answers.get(str(available)) if isinstance(answers, dict) else None
    if isinstance(answer, dict) and "error" in answer:
        raise CheckFailed(f"get_device() がエラーになりました: {clean_text(answer['error'], 200)}")
    expect(isinstance(answer, Device), f"torch.device を返してください (返ってきた型: {_kind(answer)})。")
    return answer


@pytest.mark.check("get_device.cpu", "get_device: GPU がないとき", points=1)
def test_get_device_cpu(submission):
    got = _device_answer(submission, False)
    expect(got == "cpu", f"CUDA が使えないときは cpu を返すはずが {got} でした。")


@pytest.mark.check("get_device.cuda", "get_device: GPU があるとき", points=1)
def test_get_device_cuda(submission):
    got = _device_answer(submission, True)
    # torch.device("cuda") and torch.device("cuda:0") are the same GPU on a one-GPU runtime (Colab)
    expect(got in ("cuda", "cuda:0"), f"CUDA が使えるときは cuda (または cuda:0) を返すはずが {got} でした。")


def _train_case(submission):
    """(matched case or None, returned loss) of the train_one_epoch probe."""
    returned = submission.function("train_one_epoch")
    weight = submission.probe_tensor("train_one_epoch.weight")
    bias = submission.probe_tensor("train_one_epoch.bias")
    expect(weight is not None and bias is not None, "train_one_epoch の後の重みを確かめられませんでした。")
    cases = probes.train_cases(submission.probe_inputs)
    for case, (w, b, _) in cases.items():
        if w.shape == weight.shape and torch.allclose(weight, w, rtol=1e-4, atol=1e-5) and torch.allclose(bias, b, rtol=1e-4, atol=1e-5):
            return case, returned, cases
    return None, returned, cases


@pytest.mark.check("train_one_epoch.moves_data", "train_one_epoch: 入力とラベルを device へ", points=2)
def test_train_one_epoch_moves_data(submission):
    case, _, _ = _train_case(submission)
    expect(case is not None, "学習後の重みが、どの場合とも一致しません。1 エポックで各ミニバッチを 1 回ずつ学習していますか。")
    expect(case == "both", NOT_MOVED.get(case, ""))


@pytest.mark.check("train_one_epoch.trains", "train_one_epoch: 学習して平均損失を返す", points=2)
def test_train_one_epoch_trains(submission):
    case, returned, cases = _train_case(submission)
    expect(case is not None, "重みが正しく更新されていません。zero_grad → forward → loss → backward → step の順を確かめましょう。")
    loss = _number(returned, "平均損失")
    expect(probes.close(loss, cases[case][2]), f"返した値 {loss:.4f} が、ミニバッチごとの損失の平均と一致しません。")


@pytest.mark.check("evaluate.moves_data", "evaluate: 画像とラベルを device へ", points=2)
def test_evaluate_moves_data(submission):
    acc = _number(submission.function("evaluate"), "正解率")
    cases = probes.evaluate_cases(submission.probe_inputs)
    matched = [c for c, v in cases.items() if probes.close(acc, v) or probes.close(acc * 100, v)]
    expect(bool(matched), f"返した正解率 {acc:.4g} が、どの場合とも一致しません。")
    expect(matched[0] == "both", NOT_MOVED.get(matched[0], ""))


@pytest.mark.check("evaluate.accuracy", "evaluate: 正解率をパーセントで返す", points=1)
def test_evaluate_accuracy(submission):
    acc = _number(submission.function("evaluate"), "正解率")
    cases = probes.evaluate_cases(submission.probe_inputs)
    expect(not any(probes.close(acc * 100, v) for v in cases.values()) or acc > 1,
           f"{acc:.4g} は割合のようです。パーセント (0〜100) で返してください。")
    expect(any(probes.close(acc, v) for v in cases.values()), f"返した正解率 {acc:.4g} が正しくありません。")


def _history(submission) -> list[dict]:
    items = submission.function("fit")
    expect(isinstance(items, list), f"fit はエポックごとの辞書のリストを返してください (返ってきた型: {_kind(items)})。")
    for entry in items:
        expect(isinstance(entry, dict) and {"loss", "accuracy"} <= set(entry),
               'fit の戻り値の各要素は "loss" と "accuracy" を持つ辞書にしてください。')
    return items


def _same(history: list[dict], expected: list[dict]) -> bool:
    return len(history) == len(expected) and all(
        probes.close(h.get("loss"), e["loss"]) and probes.close(h.get("accuracy"), e["accuracy"])
        for h, e in zip(history, expected))


@pytest.mark.check("fit.history", "fit: エポックごとの記録", points=1)
def test_fit_history(submission):
    history = _history(submission)
    expect(len(history) == probes.FIT_EPOCHS, f"{probes.FIT_EPOCHS} エポックで {len(history)} 個の記録が返りました。")
    for h in history:
        for key in ("loss", "accuracy"):
            expect(type(h[key]) is float and math.isfinite(h[key]), f'"{key}" が数値ではありません (型: {_kind(h[key])})。')
    cases = probes.fit_cases(submission.probe_inputs)
    expect(any(_same(history, c) for c in cases.values()),
           "記録の値が、各エポックの train_one_epoch と evaluate の結果と一致しません。損失関数・最適化手法を変えていませんか。")


@pytest.mark.check("fit.moves_model", "fit: モデルを device へ", points=2)
def test_fit_moves_model(submission):
    history = _history(submission)
    cases = probes.fit_cases(submission.probe_inputs)
    expect(not _same(history, cases["not_moved"]), "モデルが device に移されていません。学習の前にモデルを device に移しましょう。")
    expect(_same(history, cases["moved"]), "fit の結果が想定と一致しません。損失関数・最適化手法・エポック数を変えていませんか。")
