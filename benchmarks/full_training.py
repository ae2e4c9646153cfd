"""Full training of a reference model with its documented settings; prints test accuracy on all 10,000 images.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/full_training.py Net
    ... benchmarks/full_training.py BNNet --epochs 2     # fewer epochs than documented, on a CPU

Settings (SETTINGS below) follow the notebooks: the tutorial's recipe for Net, 03's for BNNet, 04's for VGG11.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torchvision.transforms as transforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.data import dataset, resolve_root  # noqa: E402
from solutions import BNNet, Net, VGG11, evaluate, get_device, train_one_epoch  # noqa: E402

SETTINGS = {
    "Net": {"model": Net, "batch_size": 4, "lr": 0.001, "epochs": 2},
    "BNNet": {"model": BNNet, "batch_size": 128, "lr": 0.01, "epochs": 10},
    "VGG11": {"model": VGG11, "batch_size": 128, "lr": 0.01, "epochs": 30},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=SETTINGS)
    parser.add_argument("--epochs", type=int, default=None, help="override the documented number of epochs")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    cfg = SETTINGS[args.model]
    epochs = args.epochs or cfg["epochs"]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    root = resolve_root(None)
    train = torch.utils.data.DataLoader(dataset(root, True, tf), batch_size=cfg["batch_size"], shuffle=True, num_workers=1)
    test = torch.utils.data.DataLoader(dataset(root, False, tf), batch_size=500, num_workers=1)
    device = get_device()
    net = cfg["model"]().to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=0.9)
    start = time.time()
    for epoch in range(epochs):
        loss = train_one_epoch(net, train, nn.CrossEntropyLoss(), optimizer, device)
        print(f"epoch {epoch + 1}/{epochs}: loss {loss:.3f} ({time.time() - start:.0f} s)", file=sys.stderr)
    acc = evaluate(net, test, device)
    print(f"{args.model}: batch {cfg['batch_size']}, SGD lr {cfg['lr']} momentum 0.9, {epochs} epochs on {device}: "
          f"test accuracy {acc:.1f}% (10,000 images)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
