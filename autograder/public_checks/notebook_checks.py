"""The check cells' functions: the same measurements and the same judge as the hidden graders.

`check_<name>(...)` prints one "OK: ..." line when every hidden check of that exercise would pass
(the accuracy run aside, which happens at grading), and otherwise raises CheckFailed with the message
the grader would give. The model is built and run on the CPU and the functions are probed on the CPU,
so the verdict is the same on a GPU runtime and on a CPU runtime.
"""
import traceback

import torch

from autograder.public_checks.function_checks import function_problems  # inline: drop
from autograder.public_checks.function_probes import call_probe, make_inputs, plain  # inline: drop
from autograder.public_checks.judge import (BNNET_PARAMS, NET_PARAMS, VGG11_PARAMS, bnnet_bn_problem,  # inline: drop
                                            function_error, params_problem, vgg11_batchnorm_problem,
                                            vgg11_classifier_problem, vgg11_convs_problem, forward_error)
from autograder.public_checks.model_probes import (FALLBACK_BATCH, TRACE_BATCH, LayerTrace, running_stats_problem,  # inline: drop
                                                   shapes_problem, trace_layers, used_parameter_count)


class CheckFailed(AssertionError):
    """A check found a problem; the message (in Japanese) says what and where."""


def error_line(exc):
    """The exception's type and message, as the last line of a traceback shows them."""
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[-2000:]


def _build(cls, name):
    torch.manual_seed(0)
    try:
        model = cls()
    except Exception as exc:
        raise CheckFailed(f"{name}() を作れませんでした: {error_line(exc)}") from None
    if not isinstance(model, torch.nn.Module):
        raise CheckFailed(f"{name}() が nn.Module ではありません ({type(model).__name__})。")
    return model


def _first_problem(steps):
    """steps: (check id, function giving its problem or None), in the grading's order."""
    for check, step in steps:
        problem = step()
        if problem:
            return check, problem
    return None, None


def _measured(model, name):
    """The model's layers and used parameter count, or the forward error as a problem. Like the
    grader's export: at batch 4, else at batch 64 (a forward that works only for some batch sizes)."""
    partial = None
    for batch in (TRACE_BATCH, FALLBACK_BATCH):
        tracer = LayerTrace()
        try:
            layers, shapes = trace_layers(model, batch, tracer)
            return layers, shapes, used_parameter_count(model, batch), None
        except Exception as exc:
            problem = forward_error(name, batch, True, error_line(exc))
            partial = tracer.shapes + [("error", None)] if partial is None else partial
    return [], partial, 0, problem


def model_problem(cls, name):
    """(check id, problem) of the first hidden model check of name that fails, else (None, None); and the
    output shape after each layer for the feedback."""
    model = _build(cls, name)
    layers, shapes, count, broken = _measured(model, name)
    if broken:
        return (name.lower() + ".shape", broken), shapes
    steps = {
        "Net": [("net.params", lambda: params_problem(name, count, NET_PARAMS)),
                ("net.shape", lambda: shapes_problem(model, name))],
        "BNNet": [("bnnet.bn_placement", lambda: bnnet_bn_problem(layers)),
                  ("bnnet.params", lambda: params_problem(name, count, BNNET_PARAMS)),
                  ("bnnet.shape", lambda: shapes_problem(model, name)),
                  ("bnnet.running_stats", lambda: running_stats_problem(model))],
        "VGG11": [("vgg11.convs", lambda: vgg11_convs_problem(layers)),
                  ("vgg11.batchnorm", lambda: vgg11_batchnorm_problem(layers)),
                  ("vgg11.classifier", lambda: vgg11_classifier_problem(layers)),
                  ("vgg11.params", lambda: params_problem(name, count, VGG11_PARAMS)),
                  ("vgg11.shape", lambda: shapes_problem(model, name))],
    }[name]
    return _first_problem(steps), shapes


def show_stages(shapes):
    """Print the output shape after each layer (C, H, W), pooling by pooling."""
    print("参考: 各層の出力の形 (1 枚あたり)")
    for kind, shape in shapes:
        if kind == "error":
            print("  ここで forward がエラーになりました (この次の計算を見直しましょう)")
        else:
            print(f"  {kind:7s} -> {shape}")


def _check_model(cls, name, ok):
    (check, problem), shapes = model_problem(cls, name)
    if problem:
        if name == "VGG11" and shapes:
            show_stages(shapes)
        raise CheckFailed(problem)
    print(ok)


def function_problem(name, fn):
    """(check id, problem) of the first hidden check of the function name that fails, else (None, None)."""
    if not callable(fn):
        return f"{name}.defined", f"{name} が関数ではありません。"
    p, saved = make_inputs(), {}
    try:
        returned = call_probe(name, fn, p, saved)
    except Exception as exc:
        return f"{name}.runs", function_error(name, error_line(exc))
    problems = function_problems(name, plain(returned), saved, p)
    return next(((check, problem) for check, problem in problems.items() if problem), (None, None))


def _check_function(name, fn, ok):
    check, problem = function_problem(name, fn)
    if problem:
        raise CheckFailed(problem)
    print(ok)


LATER = "正解率は提出後の採点で測ります。"


def check_net(cls):
    _check_model(cls, "Net", f"OK: Net のパラメータ数と出力の形は採点と同じ基準で合っています。{LATER}")


def check_bnnet(cls):
    _check_model(cls, "BNNet", f"OK: BNNet の BN の位置・パラメータ数・出力の形・BN の動きは採点と同じ基準で合っています。{LATER}")


def check_vgg11(cls):
    _check_model(cls, "VGG11", f"OK: VGG11 の層・BN の位置・平坦化の次元・パラメータ数・出力の形は採点と同じ基準で合っています。{LATER}")


def check_get_device(fn):
    _check_function("get_device", fn, "OK: get_device は GPU があるときもないときも正しいデバイスを返します。")


def check_train_one_epoch(fn):
    _check_function("train_one_epoch", fn, "OK: train_one_epoch は入力とラベルをデバイスに移し、平均損失を返します。")


def check_evaluate(fn):
    _check_function("evaluate", fn, "OK: evaluate は画像とラベルをデバイスに移し、正解率をパーセントで返します。")


def check_fit(fn):
    _check_function("fit", fn, "OK: fit はモデルをデバイスに移し、エポックごとの記録を返します。")
