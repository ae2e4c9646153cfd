"""Reference solutions for lesson 1. Instructor-only: never published to students."""
from solutions.models import BNNet, Net, VGG11, cfgs, make_layers
from solutions.training import evaluate, fit, get_device, train_one_epoch

__all__ = [
    "BNNet", "Net", "VGG11", "cfgs", "make_layers",
    "evaluate", "fit", "get_device", "train_one_epoch",
]
