"""Full training of a reference model with its documented settings; prints test accuracy on all 10,000 images.

    CIFAR10_ROOT=../shared/data/cifar10-jpeg .venv/bin/python benchmarks/full_training.py Net
    ... benchmarks/full_training.py BNNet --epochs 2     # fewer epochs than documented, on a CPU
    ... benchmarks/full_training.py VGG11 --preload      # decode every image once, before training

--preload gives the same images and transform; it only moves JPEG decoding out of the
timed loop, so that a fast GPU is not left waiting for one loader process.

Settings (SETTINGS below) follow the notebooks: the tutorial's recipe for Net, 03's for BNNet, 04's for VGG11.
"""
from __future__ import annotations

import argparse
import os
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


def preloaded(ds) -> torch.utils.data.TensorDataset:
    """The whole dataset decoded and transformed once: images (N, 3, 32, 32) float, labels (N,)."""
    loader = torch.utils.data.DataLoader(ds, batch_size=1000, num_workers=min(8, os.cpu_count() or 1))
    images, labels = zip(*loader)
    return torch.utils.data.TensorDataset(torch.cat(images), torch.cat(labels))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=SETTINGS)
    parser.add_argument("--epochs", type=int, default=None, help="override the documented number of epochs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--preload", action="store_true", help="decode all images into memory before training")
    args = parser.parse_args()
    cfg = SETTINGS[args.model]
    epochs = args.epochs or cfg["epochs"]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    root = resolve_root(None)
    train_set, test_set = dataset(root, True, tf), dataset(root, False, tf)
    if args.preload:
        train_set, test_set = preloaded(train_set), preloaded(test_set)
    train = torch.utils.data.DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, num_workers=0 if args.preload else 1)
    test = torch.utils.data.DataLoader(test_set, batch_size=500, num_workers=0 if args.preload else 1)
    device = get_device()
    net = cfg["model"]().to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=0.9)
    start = time.time()
    for epoch in range(epochs):
        loss = train_one_epoch(net, train, nn.CrossEntropyLoss(), optimizer, device)
        print(f"epoch {epoch + 1}/{epochs}: loss {loss:.3f} ({time.time() - start:.0f} s)", file=sys.stderr)
    seconds = time.time() - start
    acc = evaluate(net, test, device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {args.threads} threads"
    print(f"{args.model}: batch {cfg['batch_size']}, SGD lr {cfg['lr']} momentum 0.9, {epochs} epochs on {where}: "
          f"test accuracy {acc:.1f}% (10,000 images), training {seconds:.0f} s (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
