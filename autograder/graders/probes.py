"""Probe inputs for the 02_gpu functions, and the trusted reference answers they are compared with.

The child receives each batch twice: the true tensors and a scrambled payload (inputs negated,
labels shifted by one class). A tensor hands out its true value only through `.to(device)`, so a
function that forgets to move the inputs or the labels computes on the scrambled payload. The
trusted process replays all four cases itself and says which one the child's numbers match. No
claim of the child is believed: it would have to compute the right numbers to match.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

CLASSES = 4
FEATURES = 3 * 4 * 4
BATCH = 8
TRAIN_LR = 0.5
FIT_EPOCHS = 2
FIT_LR, FIT_MOMENTUM = 0.001, 0.9  # fixed by the notebook's fit()

# (inputs moved, labels moved) -> what the feedback calls that case
CASES = {(True, True): "both", (False, True): "inputs", (True, False): "labels", (False, False): "neither"}


def _batches(gen: torch.Generator, count: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    xs = [torch.randn(BATCH, 3, 4, 4, generator=gen) for _ in range(count)]
    ys = [torch.randint(0, CLASSES, (BATCH,), generator=gen) for _ in range(count)]
    return xs, ys


def _scrambled(xs, ys):
    return [-x for x in xs], [(y + 1) % CLASSES for y in ys]


def _linear(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(CLASSES, FEATURES, generator=gen) * 0.2, torch.randn(CLASSES, generator=gen) * 0.1


def make_inputs(seed: int = 0) -> dict[str, object]:
    """Every tensor the child's probes use. Deterministic for a seed."""
    gen = torch.Generator().manual_seed(seed)
    p: dict[str, object] = {"train_lr": torch.tensor(TRAIN_LR), "fit_epochs": torch.tensor(FIT_EPOCHS)}
    p["train_x"], p["train_y"] = _batches(gen, 5)
    p["train_x_scrambled"], p["train_y_scrambled"] = _scrambled(p["train_x"], p["train_y"])
    p["train_w"], p["train_b"] = _linear(gen)
    for _ in range(100):  # evaluation data whose four cases give four different accuracies
        p["eval_x"], p["eval_y"] = _batches(gen, 4)
        p["eval_x_scrambled"], p["eval_y_scrambled"] = _scrambled(p["eval_x"], p["eval_y"])
        p["eval_w"], p["eval_b"] = _linear(gen)
        if len({round(v, 6) for v in evaluate_cases(p).values()}) == 4:
            break
    else:
        raise AssertionError("no probe seed separates the four evaluate cases")
    p["fit_train_x"], p["fit_train_y"] = _batches(gen, 3)
    p["fit_test_x"], p["fit_test_y"] = _batches(gen, 2)
    p["fit_w"], p["fit_b"] = _linear(gen)
    p["fit_wrong_w"], p["fit_wrong_b"] = _linear(gen)
    return p


def _pick(p, prefix: str, inputs_moved: bool, labels_moved: bool):
    xs = p[prefix + ("x" if inputs_moved else "x_scrambled")]
    ys = p[prefix + ("y" if labels_moved else "y_scrambled")]
    return list(zip(xs, ys))


def _train_epoch(w, b, batches, lr: float, momentum: float = 0.0, state=None):
    """SGD over batches on a flatten+linear model; returns the mean loss. Updates w, b in place."""
    losses = []
    for x, y in batches:
        w.grad = b.grad = None
        loss = F.cross_entropy(F.linear(x.flatten(1), w, b), y)
        loss.backward()
        with torch.no_grad():
            for t in (w, b):
                step = t.grad
                if momentum:
                    buf = state.get(id(t))
                    step = state[id(t)] = t.grad.clone() if buf is None else buf.mul_(momentum).add_(t.grad)
                t -= lr * step
        losses.append(loss.item())
    return sum(losses) / len(losses)


def train_cases(p) -> dict[str, tuple[torch.Tensor, torch.Tensor, float]]:
    """Case name -> (weight, bias, mean loss) after one epoch of train_one_epoch."""
    out = {}
    for (inp, lab), case in CASES.items():
        w = p["train_w"].clone().requires_grad_()
        b = p["train_b"].clone().requires_grad_()
        loss = _train_epoch(w, b, _pick(p, "train_", inp, lab), TRAIN_LR)
        out[case] = (w.detach(), b.detach(), loss)
    return out


@torch.no_grad()
def _accuracy(w, b, batches) -> float:
    correct = sum((F.linear(x.flatten(1), w, b).argmax(1) == y).sum().item() for x, y in batches)
    return 100.0 * correct / sum(len(y) for _, y in batches)


def evaluate_cases(p) -> dict[str, float]:
    """Case name -> the accuracy in percent that evaluate should return."""
    return {case: _accuracy(p["eval_w"], p["eval_b"], _pick(p, "eval_", inp, lab)) for (inp, lab), case in CASES.items()}


def fit_cases(p) -> dict[str, list[dict[str, float]]]:
    """'moved' / 'not_moved' -> the history fit should return, with the notebook's optimizer."""
    out = {}
    for case, (w0, b0) in {"moved": (p["fit_w"], p["fit_b"]), "not_moved": (p["fit_wrong_w"], p["fit_wrong_b"])}.items():
        w, b, state, history = w0.clone().requires_grad_(), b0.clone().requires_grad_(), {}, []
        train = list(zip(p["fit_train_x"], p["fit_train_y"]))
        test = list(zip(p["fit_test_x"], p["fit_test_y"]))
        for _ in range(FIT_EPOCHS):
            loss = _train_epoch(w, b, train, FIT_LR, FIT_MOMENTUM, state)
            history.append({"loss": loss, "accuracy": _accuracy(w.detach(), b.detach(), test)})
        out[case] = history
    return out


def close(a: float, b: float) -> bool:
    return isinstance(a, float) and math.isfinite(a) and math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-5)
