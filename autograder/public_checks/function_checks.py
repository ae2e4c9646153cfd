"""02's hidden checks over what a function returned on the probe data (function_probes.py).

The graders call function_problems with what the sandbox's child returned; 02's check cells call it
with what the function returned in the notebook. Same data, same references, same judge.
"""
import torch

from autograder.public_checks.function_probes import (FIT_EPOCHS, Device, Unknown, evaluate_cases,  # inline: drop
                                                      fit_cases, train_cases)
from autograder.public_checks.judge import (device_problem, evaluate_moves_problem, evaluate_percent_problem,  # inline: drop
                                            fit_history_problem, fit_moves_problem, train_loss_problem,
                                            train_moves_problem)


def kind_of(value):
    """The name the feedback gives a plain value's type ('device' for a torch.device)."""
    if isinstance(value, Device):
        return "device"
    return str(value) if isinstance(value, Unknown) else type(value).__name__


def _train_case(weight, bias, cases):
    for case, (w, b, _) in cases.items():
        if (weight is not None and bias is not None and w.shape == weight.shape and b.shape == bias.shape
                and torch.allclose(weight, w, rtol=1e-4, atol=1e-5) and torch.allclose(bias, b, rtol=1e-4, atol=1e-5)):
            return case
    return None


def function_problems(name, returned, saved, p):
    """{hidden check id: its problem or None} for what fn returned (as plain data) on the probe data p."""
    kind = kind_of(returned)
    if name == "get_device":
        out = {}
        for available, check in ((False, "get_device.cpu"), (True, "get_device.cuda")):
            answer = returned.get(str(available)) if type(returned) is dict else None
            if type(answer) is dict and "error" in answer:
                out[check] = f"get_device() がエラーになりました: {str(answer['error'])[:200]}"
            else:
                out[check] = device_problem(kind_of(answer), str(answer), available)
        return out
    if name == "train_one_epoch":
        cases = train_cases(p)
        case = _train_case(saved.get("train_one_epoch.weight"), saved.get("train_one_epoch.bias"), cases)
        return {"train_one_epoch.moves_data": train_moves_problem(case),
                "train_one_epoch.trains": train_loss_problem(case, returned, kind, cases)}
    if name == "evaluate":
        cases = evaluate_cases(p)
        return {"evaluate.moves_data": evaluate_moves_problem(returned, kind, cases),
                "evaluate.accuracy": evaluate_percent_problem(returned, kind, cases)}
    if name == "fit":
        cases = fit_cases(p)
        return {"fit.history": fit_history_problem(returned, kind, FIT_EPOCHS, cases),
                "fit.moves_model": fit_moves_problem(returned, kind, cases)}
    raise ValueError(f"no checks for {name}")
