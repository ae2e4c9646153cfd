"""Mistakes a student makes in each TODO of lesson 1, each one edit of one reference notebook.

Named after the mistake; at least two per TODO (net, get_device, train_one_epoch, evaluate, fit,
BNNet, VGG11). tests/test_public_checks.py grades each with the hidden checks and runs the release's
check cells on it: both must give the same verdict.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.demo import apply_mistake
from autograder.settings import ASSIGNMENT, REPO

# fixture -> (notebook stem, cell id, [(old, new), ...])
MISTAKES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    # 01: Net
    "net-fc1-too-narrow": ("01_tutorial", "net", [("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(16 * 5 * 5, 100)"),
                                                  ("nn.Linear(120, 84)", "nn.Linear(100, 84)")]),
    "net-squeeze-drops-batch": ("01_tutorial", "net", [("        return x\n", "        return x.squeeze()\n")]),
    # 02: get_device
    "get-device-returns-text": ("02_gpu", "get-device", [
        ('return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")',
         'return "cuda:0" if torch.cuda.is_available() else "cpu"')]),
    "get-device-always-cuda": ("02_gpu", "get-device", [
        ('return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")', 'return torch.device("cuda:0")')]),
    "get-device-plain-cuda": ("02_gpu", "get-device", [
        ('return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")',
         'return torch.device("cuda" if torch.cuda.is_available() else "cpu")')]),
    # 02: train_one_epoch
    "inputs-moved-without-assignment": ("02_gpu", "train-one-epoch", [
        ("inputs, labels = inputs.to(device), labels.to(device)", "inputs.to(device)\n        labels = labels.to(device)")]),
    "train-returns-loss-sum": ("02_gpu", "train-one-epoch", [("return total_loss / len(loader)", "return total_loss")]),
    "train-without-zero-grad": ("02_gpu", "train-one-epoch", [("        optimizer.zero_grad()\n", "")]),
    # 02: evaluate
    "evaluate-returns-fraction": ("02_gpu", "evaluate", [("return 100.0 * correct / total", "return correct / total")]),
    "evaluate-images-not-moved": ("02_gpu", "evaluate", [
        ("images, labels = images.to(device), labels.to(device)", "labels = labels.to(device)")]),
    # 02: fit
    "fit-model-not-moved": ("02_gpu", "fit", [("    net.to(device)\n", "    pass\n")]),
    "fit-returns-last-epoch": ("02_gpu", "fit", [("    return history", "    return history[-1]")]),
    # 03: BNNet
    "bn-after-relu": ("03_batchnorm", "bnnet", [("x = F.relu(self.bn_conv1(self.conv1(x)))",
                                                 "x = self.bn_conv1(F.relu(self.conv1(x)))")]),
    "bn-after-pooling": ("03_batchnorm", "bnnet", [("x = self.pool(F.relu(self.bn_conv2(self.conv2(x))))",
                                                    "x = self.bn_conv2(self.pool(F.relu(self.conv2(x))))")]),
    "bn-fc1-made-not-used": ("03_batchnorm", "bnnet", [("x = F.relu(self.bn_fc1(self.fc1(x)))", "x = F.relu(self.fc1(x))")]),
    "bn-wrong-channels": ("03_batchnorm", "bnnet", [("self.bn_conv3 = nn.BatchNorm2d(64)", "self.bn_conv3 = nn.BatchNorm2d(32)"),
                                                    ("self.conv3 = nn.Conv2d(32, 64, 3, padding=1)", "self.conv3 = nn.Conv2d(32, 32, 3, padding=1)"),
                                                    ("self.conv4 = nn.Conv2d(64, 64, 3, padding=1)", "self.conv4 = nn.Conv2d(32, 64, 3, padding=1)")]),
    # 04: VGG11
    "vgg-block5-without-bn": ("04_vgg11", "vgg11", [
        ("self.block5a = conv_block(512, 512)",
         "self.block5a = nn.Sequential(nn.Conv2d(512, 512, 3, padding=1, bias=False), nn.ReLU(inplace=True))")]),
    "vgg-wrong-channels": ("04_vgg11", "vgg11", [("self.block4a = conv_block(256, 512)", "self.block4a = conv_block(256, 256)"),
                                                 ("self.block4b = conv_block(512, 512)", "self.block4b = conv_block(256, 512)")]),
    "vgg-conv-bias": ("04_vgg11", "vgg11", [("nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)",
                                             "nn.Conv2d(in_channels, out_channels, 3, padding=1)")]),
}


def build_mistakes(dest: Path, mistakes=MISTAKES, names=None) -> Path:
    """dest/<fixture>/<assignment>/<stem>.ipynb: only the notebook with the mistake."""
    source = REPO / "source" / ASSIGNMENT
    for name, (stem, cell_id, edits) in mistakes.items():
        if names is not None and name not in names:
            continue
        folder = dest / name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / f"{stem}.ipynb", folder / f"{stem}.ipynb")
        apply_mistake(folder, stem, cell_id, edits)
    return dest
