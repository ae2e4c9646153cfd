"""02_gpu's timing cell measures the model, not the loader: preloaded tensors, a warm-up that is not
timed, the device synchronised before each clock reading, and no .item() inside the timed steps."""
import json
import time as real_time
import types

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from autograder.settings import ASSIGNMENT

from conftest import REPO

NOTEBOOK = REPO / "source" / ASSIGNMENT / "02_gpu.ipynb"


def cell_source(cell_id: str) -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c["source"] for c in cells if c.get("id") == cell_id))


@pytest.fixture
def timing(monkeypatch):
    """The timing-code cell's definitions, with the clock, the device wait and .item() recorded in log."""
    log = []
    clock = types.SimpleNamespace(perf_counter=lambda: log.append("clock") or real_time.perf_counter())
    namespace = {"torch": torch, "nn": nn, "F": F, "optim": optim, "time": clock}
    exec(compile(cell_source("timing-code"), "timing-code", "exec"), namespace)
    namespace["wait_for"] = lambda device: log.append("wait")
    real_item = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda self: log.append("item") or real_item(self))
    return namespace, log


def spy_model(log, seen):
    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3 * 32 * 32, 10)

        def forward(self, x):
            log.append("forward")
            seen.append(x)
            return self.fc(torch.flatten(x, 1))

    return Spy


def test_steps_are_timed_after_a_warm_up_between_synchronised_clock_readings(timing):
    ns, log = timing
    images, labels = torch.randn(40, 3, 32, 32), torch.randint(0, 10, (40,))
    seen = []
    speed = ns["images_per_second"](spy_model(log, seen), torch.device("cpu"), 4, images, labels, warmup=3)
    assert log == ["forward"] * 3 + ["wait", "clock"] + ["forward"] * 10 + ["wait", "clock"], log
    assert "item" not in log, "a .item() per step makes the CPU wait for the GPU inside the timed region"
    assert speed > 0


def test_steps_read_slices_of_the_preloaded_tensor(timing):
    ns, log = timing
    images, labels = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    seen = []
    ns["images_per_second"](spy_model(log, seen), torch.device("cpu"), 4, images, labels, warmup=1)
    assert all(x.shape == (4, 3, 32, 32) for x in seen)
    assert torch.equal(seen[-1], images[12:16]), "the timed steps must feed the preloaded images, batch by batch"


def test_preload_decodes_once_into_tensors(timing):
    ns, _ = timing
    dataset = [(torch.full((3, 32, 32), float(i)), i % 10) for i in range(12)]
    images, labels = ns["preload"](dataset, 8)
    assert images.shape == (8, 3, 32, 32) and labels.tolist() == [i % 10 for i in range(8)]


def test_waiting_synchronises_only_a_cuda_device(timing, monkeypatch):
    source = cell_source("timing-code")
    ns = {"torch": torch, "nn": nn, "F": F, "optim": optim, "time": real_time}
    exec(compile(source, "timing-code", "exec"), ns)
    synced = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: synced.append(device))
    ns["wait_for"](torch.device("cpu"))
    assert synced == []
    ns["wait_for"](torch.device("cuda:0"))
    assert synced == [torch.device("cuda:0")]


def test_the_loader_is_timed_on_its_own_and_both_models_and_batches_are_compared():
    run = cell_source("timing")
    assert "preload(trainset" in run and "loader_images_per_second(" in run
    assert "{\"Net\": Net, \"WideNet\": make_wide_net}" in run and "(4, 128)" in run



def test_the_larger_model_does_about_forty_times_nets_work(timing):
    """The demonstration needs a model whose work per image dwarfs Net's (about 0.65 M multiply-adds)."""
    from torch.utils.flop_counter import FlopCounterMode

    from solutions.models import Net
    ns, _ = timing

    def flops(model):
        with FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, 3, 32, 32))
        return counter.get_total_flops()

    net, wide = flops(Net()), flops(ns["make_wide_net"]())
    assert 1.2e6 < net < 1.4e6, net  # 2 FLOPs per multiply-add
    assert 30 < wide / net < 50, wide / net
