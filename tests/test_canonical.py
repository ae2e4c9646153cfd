"""The accuracy cache is keyed on the computation: equivalent styles share one training run, and any
change to the computation gets a run of its own."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.graders.canonical import canonical_key
from solutions.export import export_trusted
from solutions import BNNet, Net, VGG11
from solutions.models import cfgs


class SequentialNet(nn.Module):
    """nn.Sequential blocks, nn.ReLU and nn.MaxPool2d modules, reshape by the batch size."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x).reshape(x.size(0), -1))


class RenamedNet(nn.Module):
    """Other names, layers registered in another order, F.max_pool2d, view(-1, 400)."""

    def __init__(self):
        super().__init__()
        self.out = nn.Linear(84, 10)
        self.hidden2 = nn.Linear(120, 84)
        self.hidden1 = nn.Linear(400, 120)
        self.second = nn.Conv2d(6, 16, 5)
        self.first = nn.Conv2d(3, 6, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.first(x)), 2)
        x = F.max_pool2d(F.relu(self.second(x)), 2)
        x = x.view(-1, 400)
        return self.out(F.relu(self.hidden2(F.relu(self.hidden1(x)))))


def variant(**change):
    """Net with one thing changed: channels, pooling, an activation, or a view that mixes the batch."""
    class Changed(nn.Module):
        def __init__(self):
            super().__init__()
            c = change.get("channels", 6)
            self.conv1, self.conv2 = nn.Conv2d(3, c, 5), nn.Conv2d(c, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            pool = change.get("pool", F.max_pool2d)
            act = change.get("act", F.relu)
            x = pool(act(self.conv1(x)), 2)
            x = pool(F.relu(self.conv2(x)), 2)
            x = x.reshape(change.get("rows", -1), 400 * change.get("mix", 1))
            x = F.relu(self.fc1(x[:, :400] if change.get("mix") else x))
            return self.fc3(F.relu(self.fc2(x)))
    return Changed


class ConfigVGG11(nn.Module):
    """VGG11 from torchvision-style cfgs with one Sequential, as solutions.VGG11 but nested differently."""

    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for v in cfgs["VGG11"]:
            layers += [nn.MaxPool2d(2, 2)] if v == "M" else [nn.Conv2d(c, v, 3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU()]
            c = v if v != "M" else c
        self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(512, 4096, bias=False), nn.BatchNorm1d(4096), nn.ReLU(),
                                  nn.Linear(4096, 4096, bias=False), nn.BatchNorm1d(4096), nn.ReLU(), nn.Linear(4096, 10))

    def forward(self, x):
        return self.body(x)


def key(cls) -> str:
    torch.manual_seed(1)  # exported weights differ from the reference's: they must not matter
    return canonical_key(export_trusted(cls))


@pytest.mark.parametrize("style", [SequentialNet, RenamedNet, variant()], ids=["sequential", "renamed", "variant"])
def test_equivalent_styles_share_one_run(style):
    assert key(style) == key(Net)


@pytest.mark.parametrize("change", [dict(channels=7), dict(pool=F.avg_pool2d), dict(act=torch.sigmoid), dict(mix=2)],
                         ids=["channels", "avg-pool", "activation", "view-mixes-batch"])
def test_a_change_of_computation_gets_its_own_run(change):
    assert key(variant(**change)) != key(Net)


def test_vgg11_from_a_config_list_shares_the_reference_run():
    assert key(ConfigVGG11) == key(VGG11)
    assert key(BNNet) != key(VGG11)


class ReadsInputAfterInPlaceReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 30 * 30, 10)

    def relu(self, a):
        return F.relu(a, inplace=True)

    def forward(self, x):
        a = self.conv(x)
        b = self.relu(a)  # in place: a is now relu(a) too
        return self.fc(torch.flatten(a + b, 1))


class ReadsInputAfterReLU(ReadsInputAfterInPlaceReLU):
    def relu(self, a):
        return F.relu(a)


def test_in_place_activation_counts_as_plain_only_when_its_input_is_not_read_again():
    assert key(ReadsInputAfterInPlaceReLU) != key(ReadsInputAfterReLU)


@pytest.mark.slow
@pytest.mark.realdata
def test_in_a_batch_equivalent_styles_train_once(tmp_path, data_root):
    """Three students' Net: the reference, the same in another style, and one with 7 channels. Two runs."""
    import inspect
    import textwrap
    from dataclasses import replace

    import nbformat

    from autograder.batch import grade_all
    from autograder.collect import find_submissions
    from autograder.pipeline import prepare

    imports = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F"
    for student, cls in (("reference", Net), ("sequential", SequentialNet), ("seven", variant(channels=7))):
        source = textwrap.dedent(inspect.getsource(cls)).replace(f"class {cls.__name__}(", "class Net(")
        if cls.__name__ == "Changed":
            source = ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                      "        self.conv1, self.conv2 = nn.Conv2d(3, 7, 5), nn.Conv2d(7, 16, 5)\n"
                      "        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)\n\n"
                      "    def forward(self, x):\n        x = F.max_pool2d(F.relu(self.conv1(x)), 2)\n"
                      "        x = F.max_pool2d(F.relu(self.conv2(x)), 2)\n"
                      "        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x.reshape(-1, 400))))))")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(imports), nbformat.v4.new_code_cell(source)])
        (tmp_path / "sub" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "sub" / student / "01_tutorial.ipynb")
    setup = replace(prepare(data_root), cache_dir=tmp_path / "cache", accuracy_cache=True)
    results = {r.student: r for r in grade_all(find_submissions(tmp_path / "sub"), setup, jobs=1)}
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2, "one run for the two equivalent styles, one for the change"
    acc = {s: next(c for c in r.checks if c.check == "net.accuracy") for s, r in results.items()}
    assert acc["reference"].passed and acc["sequential"].passed

    # Accuracy runs use one thread whatever the grading process's count: another count needs no run of its own.
    reference = [s for s in find_submissions(tmp_path / "sub") if s.student == "reference"]
    used = results["reference"].usage["threads"]
    for threads in (used + 1, 3 * used + 2):
        again = grade_all(reference, replace(setup, threads=threads), jobs=1)
        assert len(list((tmp_path / "cache").glob("*.json"))) == 2, f"threads {threads}"
        assert again[0].total == results["reference"].total
