"""The device probes tell apart every way of (not) moving data, and the references are right."""
import math

import torch

from autograder.graders import probes
from autograder.sandbox import child
from solutions import evaluate, fit, train_one_epoch


def test_probe_inputs_are_deterministic():
    a, b = probes.make_inputs(), probes.make_inputs()
    assert all(torch.equal(x, y) for x, y in zip(a["eval_x"], b["eval_x"]))


def test_the_four_cases_are_distinguishable():
    p = probes.make_inputs()
    accs = probes.evaluate_cases(p)
    assert len({round(v, 6) for v in accs.values()}) == 4
    weights = probes.train_cases(p)
    for c1 in weights:
        for c2 in weights:
            assert c1 == c2 or not torch.allclose(weights[c1][0], weights[c2][0])
    fits = probes.fit_cases(p)
    assert fits["moved"][0]["loss"] != fits["not_moved"][0]["loss"]


def _run_probe(name, fn):
    saved = {}
    return child.probe_function(name, fn, torch, probes.make_inputs(), saved), saved


def test_reference_functions_match_the_both_moved_case():
    p = probes.make_inputs()
    entry, saved = _run_probe("train_one_epoch", train_one_epoch)
    w, b, loss = probes.train_cases(p)["both"]
    assert torch.allclose(saved["train_one_epoch.weight"], w, atol=1e-5) and probes.close(entry["returned"], loss)
    entry, _ = _run_probe("evaluate", evaluate)
    assert probes.close(entry["returned"], probes.evaluate_cases(p)["both"])
    entry, _ = _run_probe("fit", fit)
    history = [h["__dict__"] for h in entry["returned"]["__list__"]]
    expected = probes.fit_cases(p)["moved"]
    assert all(probes.close(h["loss"], e["loss"]) and probes.close(h["accuracy"], e["accuracy"])
               for h, e in zip(history, expected))


def test_forgetting_the_labels_matches_the_labels_case():
    def forgetful(net, loader, criterion, optimizer, device):
        total = 0.0
        for inputs, labels in loader:
            inputs = inputs.to(device)
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)

    _, saved = _run_probe("train_one_epoch", forgetful)
    w, _, _ = probes.train_cases(probes.make_inputs())["labels"]
    assert torch.allclose(saved["train_one_epoch.weight"], w, atol=1e-5)


def test_get_device_probe_sees_both_worlds():
    entry, _ = _run_probe("get_device", lambda: torch.device("cuda:0" if torch.cuda.is_available() else "cpu"))
    assert entry["answers"]["False"]["str"] == "cpu" and entry["answers"]["True"]["str"] == "cuda:0"
    assert not math.isnan(0.0)
