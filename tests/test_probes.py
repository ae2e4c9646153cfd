"""The device probes tell apart every way of (not) moving data, and the references are right."""
import numpy as np
import pytest
import torch

from autograder.public_checks import function_probes as probes
from autograder.public_checks.function_probes import Device, Unknown, plain
from autograder.public_checks.judge import close
from autograder.graders.graph_model import load_tensors
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


def _run_probe(name, fn, tmp_path):
    """Run the child's probe in this process; the returned value as the grader reads it (plain data by real type)."""
    saved = {}
    entry = child.probe_function(name, fn, torch, probes.make_inputs(), saved, out=str(tmp_path))
    assert entry == {"returned": True}, entry
    return plain(load_tensors(tmp_path / f"{name}.returned.pt", 16)), saved


def test_reference_functions_match_the_both_moved_case(tmp_path):
    p = probes.make_inputs()
    returned, saved = _run_probe("train_one_epoch", train_one_epoch, tmp_path)
    w, b, loss = probes.train_cases(p)["both"]
    assert torch.allclose(saved["train_one_epoch.weight"], w, atol=1e-5) and close(returned, loss)
    returned, _ = _run_probe("evaluate", evaluate, tmp_path)
    assert close(returned, probes.evaluate_cases(p)["both"])
    history, _ = _run_probe("fit", fit, tmp_path)
    expected = probes.fit_cases(p)["moved"]
    assert all(close(h["loss"], e["loss"]) and close(h["accuracy"], e["accuracy"])
               for h, e in zip(history, expected))


def test_forgetting_the_labels_matches_the_labels_case(tmp_path):
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

    _, saved = _run_probe("train_one_epoch", forgetful, tmp_path)
    w, _, _ = probes.train_cases(probes.make_inputs())["labels"]
    assert torch.allclose(saved["train_one_epoch.weight"], w, atol=1e-5)


def test_get_device_probe_sees_both_worlds(tmp_path):
    answers, _ = _run_probe("get_device", lambda: torch.device("cuda:0" if torch.cuda.is_available() else "cpu"), tmp_path)
    assert answers == {"False": "cpu", "True": "cuda:0"}
    assert all(isinstance(a, Device) for a in answers.values())


def test_returned_values_are_judged_by_their_real_type(tmp_path):
    class device:  # claims torch's module and name
        def __str__(self):
            return "cuda:0"
    device.__module__ = "torch"
    entry = child.probe_function("get_device", lambda: device(), torch, probes.make_inputs(), {}, out=str(tmp_path))
    assert "torch.device を返してください" in entry["error"]
    torch.save({"x": np.float64(1.5)}, tmp_path / "numpy.pt")  # a type weights_only refuses outright
    with pytest.raises(Exception):
        load_tensors(tmp_path / "numpy.pt", 16)
    assert isinstance(plain([torch.tensor(2.0), torch.zeros(3), torch.device("cpu")])[1], Unknown)


def _constant(returned_for, p):
    """What functions that return the answers for probe data p (and set its trained weights) hand back."""
    w, b, loss = probes.train_cases(p)["both"]
    return {"train_one_epoch": (loss, {"train_one_epoch.weight": w, "train_one_epoch.bias": b}),
            "evaluate": (probes.evaluate_cases(p)["both"], {}), "fit": (probes.fit_cases(p)["moved"], {})}[returned_for]


@pytest.mark.parametrize("name", ["train_one_epoch", "evaluate", "fit"])
def test_constants_for_the_public_probes_fail_on_secret_ones(name):
    from autograder.graders.probe_seed import probe_seed
    from autograder.public_checks.function_checks import function_problems

    public = probes.make_inputs()
    returned, saved = _constant(name, public)
    assert not any(function_problems(name, returned, saved, public).values()), "the public check says OK"
    secret = probes.make_inputs(probe_seed("ab" * 32, "student-1"))
    problems = function_problems(name, returned, saved, secret)
    assert all(problems.values()), problems
    right, right_saved = _constant(name, secret)
    assert not any(function_problems(name, right, right_saved, secret).values()), "right answers pass on any data"


def test_probe_seeds_are_keyed_and_stable(tmp_path):
    from autograder.graders.probe_seed import instructor_key, probe_seed

    key = instructor_key(tmp_path)
    assert instructor_key(tmp_path) == key and (tmp_path / "probe-key").stat().st_mode & 0o777 == 0o600
    assert probe_seed(key, "a") == probe_seed(key, "a") != probe_seed(key, "b")
    assert probe_seed(key, "a") != probe_seed(instructor_key(tmp_path / "other"), "a")
    assert probe_seed(key, "a") != 0
