"""Equivalent correct styles get full marks: Sequential from a config list, any attribute names,
flatten/view/reshape, nn.ReLU or F.relu, F.max_pool2d or nn.MaxPool2d, other loop idioms."""
import textwrap

import nbformat
import pytest

from autograder import grade

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

IMPORTS = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
"""

STYLES = {
    # Sequential blocks, nn.ReLU modules, reshape
    "01_tutorial": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.head(self.features(x).reshape(x.shape[0], -1))
""",
    # the tutorial's loop idioms: enumerate, data[0].to(device), torch.max(...).data, len(loader.dataset)
    "02_gpu": """
def get_device():
    if torch.cuda.is_available():
        return torch.device("cuda", 0)
    return torch.device("cpu")


def train_one_epoch(net, loader, criterion, optimizer, device):
    net.train()
    losses = []
    for i, data in enumerate(loader, 0):
        inputs, labels = data[0].to(device), data[1].to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def evaluate(net, loader, device):
    correct = 0
    with torch.no_grad():
        for data in loader:
            images, labels = data
            images = images.to(device)
            labels = labels.to(device)
            _, predicted = torch.max(net(images).data, 1)
            correct += (predicted == labels).sum().item()
    return 100 * correct / len(loader.dataset)


def fit(net, trainloader, testloader, device, epochs):
    net = net.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    return [{"loss": train_one_epoch(net, trainloader, criterion, optimizer, device),
             "accuracy": evaluate(net, testloader, device)} for _ in range(epochs)]
""",
    # a config list through make_layers, nn.Flatten inside the classifier
    "03_batchnorm": """
cfg = [32, 32, "M", 64, 64, "M"]


def make_layers(cfg):
    layers, channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            channels = v
    return nn.Sequential(*layers)


class BNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = make_layers(cfg)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(4096, 512), nn.BatchNorm1d(512), nn.ReLU(),
                                        nn.Linear(512, 10))

    def forward(self, x):
        return self.classifier(self.body(x))
""",
    # layer by layer under made-up names, F.relu, F.max_pool2d, torch.flatten
    "04_vgg11": """
class VGG11(nn.Module):
    def __init__(self):
        super().__init__()
        pairs = [(3, 64), (64, 128), (128, 256), (256, 256), (256, 512), (512, 512), (512, 512), (512, 512)]
        for i, (a, b) in enumerate(pairs):
            setattr(self, f"c{i}", nn.Conv2d(a, b, 3, padding=1, bias=False))
            setattr(self, f"n{i}", nn.BatchNorm2d(b))
        self.l1, self.m1 = nn.Linear(512, 4096, bias=False), nn.BatchNorm1d(4096)
        self.l2, self.m2 = nn.Linear(4096, 4096, bias=False), nn.BatchNorm1d(4096)
        self.out = nn.Linear(4096, 10)

    def forward(self, x):
        for i in range(8):
            x = F.relu(getattr(self, f"n{i}")(getattr(self, f"c{i}")(x)))
            if i in (0, 1, 3, 5, 7):
                x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.m1(self.l1(x)))
        x = F.relu(self.m2(self.l2(x)))
        return self.out(x)
""",
}


def test_other_correct_styles_get_full_marks(tmp_path, data_root):
    folder = tmp_path / "submitted" / "styles"
    folder.mkdir(parents=True)
    for stem, code in STYLES.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(IMPORTS.strip()), nbformat.v4.new_code_cell(textwrap.dedent(code).strip())]
        nbformat.write(nb, folder / f"{stem}.ipynb")
    [result], _ = grade.main(submitted=tmp_path / "submitted", out=tmp_path / "out", data_root=data_root,
                          show_progress=False)
    failed = {c.check: c.message for c in result.checks if not c.passed}
    assert not failed and result.total == result.max_total == 44
