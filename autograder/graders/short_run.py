"""The grader's own seeded training run on fixed CIFAR-10 subsets (CPU), and its accuracy thresholds.

Calibrated by benchmarks/calibrate_thresholds.py (table in the README): the reference model must clear
its threshold under 20 seeds, and a model that does not learn must not.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.data import load_subset, normalize
from autograder.graders import canonical, graph_model
from autograder.graders.accuracy_cache import AccuracyCache
from autograder.faults import MEMORY_MARKERS, GraderFault, machine_cause
from autograder.graders.graph_model import (BN_OPS, CONV_OPS, LINEAR_OPS, GraphModel, Node, Ref, fan_in, forward_work,
                                            live_nodes, refs)
from autograder.graders.results import CheckFailed
from autograder.settings import Budget
from autograder.text import exception_line

TRAIN_PER_CLASS, TRAIN_SEED = 4000, 0
TEST_PER_CLASS, TEST_SEED = 200, 1
EVAL_BATCH = 64
ACCURACY_THREADS = 1
"""Torch threads of every accuracy run. CPU kernels sum in an order that depends on the thread count, and
a short run amplifies the last digits (Net 41.6 vs 41.9%, BNNet 46.3 vs 44.2% at 1 vs 2 threads), so the
count is fixed: the verdict must not depend on the cores or --jobs. Parallelism is across submissions."""
MARGIN = 2.0
"""Points either side of a threshold within which seed 0's accuracy is not trusted alone: CPUs with other
kernels (AVX2, AVX-512) can move a short run's accuracy by a point or two, so such a run is repeated with
RERUN_SEEDS and the median of the three decides (the feedback says so)."""
RERUN_SEEDS = (1, 2)
ELEMENT_COST = 64
"""FLOP-equivalents of one element written by any operation (memory-bound work next to a matmul's)."""
MAX_RUN_WORK = Budget.run_tflop * 1e12
"""Most work (run_work) one accuracy run may take by default (Budget.run_tflop): about twice VGG11's
4.7e12 (Net 0.27e12, BNNet 1.6e12; tests/test_short_run_state.py checks the references fit), and well
inside Budget.train_s on one thread: VGG11's run took 93 s on one thread of this kit's 2-core machine."""


@dataclass(frozen=True)
class RunConfig:
    """One model's short training run."""

    steps: int
    """SGD steps of batch_size images each."""
    threshold: float
    """Minimum test accuracy (%) on the 2,000-image stratified test subset."""
    batch_size: int = 64
    lr: float = 0.01
    momentum: float = 0.9


RUNS = {
    "Net": RunConfig(steps=600, threshold=30.0),
    "BNNet": RunConfig(steps=100, threshold=35.0),
    "VGG11": RunConfig(steps=50, threshold=15.0),
}

CHANCE_IMAGES = 1000
"""Test images on which the freshly initialised model must be at chance before its first step."""
CHANCE_MAX = 20.0
"""Highest accuracy (%) that counts as chance there (the threshold, when that is lower); ten classes give 10%."""
MAX_LITERAL_OPS = 16
"""Operations with a number written into the graph (x * 0.5, x + 3, F.pad(..., value=0.7), leaky_relu's
slope): honest models use a handful at most. More could carry a classifier fitted beforehand into the run.
BatchNorm's eps and momentum and dropout's rate do not count."""
OWNED_ARGS = {**{op: (1, 2) for op in CONV_OPS | LINEAR_OPS}, **{op: (1, 2, 3, 4) for op in BN_OPS}}
"""Argument positions at which conv, linear and BatchNorm read the state they own (weight, bias, running stats)."""
_ARITHMETIC = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "pow", "clamp", "clamp_min", "clamp_max"}
_FLOATS_ALLOWED = BN_OPS | {"dropout", "dropout_", "feature_dropout", "native_dropout"}

def decode_subsets(root) -> str:
    """Decode the grader's subsets into the disk cache, without keeping them in this process; returns a
    fingerprint of their content (the same for the same images, wherever and however they are stored)."""
    digest = hashlib.sha256()
    for train, per_class, seed in ((True, TRAIN_PER_CLASS, TRAIN_SEED), (False, TEST_PER_CLASS, TEST_SEED)):
        images, labels = load_subset(root, train, per_class, seed)
        digest.update(f"{tuple(images.shape)}|{tuple(labels.shape)}|".encode())
        digest.update(images.contiguous().numpy().tobytes())
        digest.update(labels.contiguous().numpy().tobytes())
    return digest.hexdigest()


def grader_data(root) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train images, train labels, test images, test labels), uint8 images mapped from the decoded
    subsets: load them for each run and drop them after it, so no run keeps another's pages resident."""
    return (*load_subset(root, True, TRAIN_PER_CLASS, TRAIN_SEED), *load_subset(root, False, TEST_PER_CLASS, TEST_SEED))


def _state_reads(node: Node, state: dict) -> list[tuple[object, Node]]:
    """(position, holder) of every state tensor node reads, anywhere in its arguments: a top-level
    position as its index, anything nested in a list or tuple or passed by keyword as None (never owned)."""
    found = []
    for i, arg in enumerate(node.args):
        if isinstance(arg, Ref):
            if arg.name in state:
                found.append((i, state[arg.name]))
        else:
            found += [(None, state[name]) for name in refs(arg) if name in state]
    found += [(None, state[name]) for name in refs(node.kwargs) if name in state]
    return found


def state_problems(model: GraphModel) -> list[str]:
    """Why state other than what conv, linear and BatchNorm own would enter the run (empty: none).

    Only those layers' weights, biases and running statistics are re-initialised by the grader, so
    only they may reach the output, and only at the argument positions where those layers read them:
    any other parameter, buffer or constant tensor the output depends on (also inside a list or a
    keyword argument), any in-place change of state, or many numbers written into the graph, could
    carry learning in. And the eval forward may read only state that the train forward reads too:
    a copy that training never updates would be evaluated untrained.
    """
    problems = []
    live_in_train = set()
    for mode in ("train", "eval"):
        nodes = model.graphs[mode]
        live = live_nodes(nodes)
        state = {n.name: n for n in nodes if n.op == "placeholder" and n.kind != "USER_INPUT"}
        literal_ops = 0
        for node in nodes:
            if node.op != "call":
                continue
            owned = OWNED_ARGS.get(node.aten_name, ())
            for i, holder in _state_reads(node, state):
                if node.aten_name.endswith("_") and i == 0 and not holder.target.endswith("num_batches_tracked"):
                    problems.append(f"{holder.target[:60]} を forward の中で書き換えています ({node.aten_name})。")
                elif node.name in live and (i not in owned or holder.kind == "CONSTANT_TENSOR"):
                    problems.append(f"{holder.target[:60]} が畳み込み・全結合・BatchNorm の重み以外の使い方で出力に効いています"
                                    f" ({node.aten_name or node.target[:40]})。")
                elif node.name in live and mode == "train":
                    live_in_train.add(holder.target)
                elif node.name in live and holder.target not in live_in_train:
                    problems.append(f"{holder.target[:60]} は評価 (eval) のときだけ使われ、学習では更新されません。"
                                    "train と eval で同じ層を使いましょう。")
            if node.name in live and _has_literal(node):
                literal_ops += 1
        if literal_ops > MAX_LITERAL_OPS:
            problems.append(f"数値を直接書いた演算が多すぎます ({mode}: {literal_ops} 個、上限 {MAX_LITERAL_OPS} 個)。")
    return list(dict.fromkeys(problems))


def _has_literal(node: Node) -> bool:
    """A number that carries information: any float (but BatchNorm's and dropout's own), and any integer
    operand of arithmetic. Sizes, dims and indices of view, slice, pad widths, ... do not count."""
    def numbers(value):
        if isinstance(value, list):
            for v in value:
                yield from numbers(v)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield value

    values = list(numbers([*node.args[1:], *node.kwargs.values()]))
    if node.aten_name in _ARITHMETIC:
        return bool(values)
    return node.aten_name not in _FLOATS_ALLOWED and any(isinstance(v, float) for v in values)


@torch.no_grad()
def init_parameters(model: GraphModel, seed: int) -> None:
    """PyTorch's default initialisation, redone by the grader over every tensor that conv, linear and
    BatchNorm read, in both graphs: exported values never carry over (state_problems refuses the rest)."""
    gen = torch.Generator().manual_seed(seed)
    done: set[int] = set()

    def fresh(t: torch.Tensor | None) -> bool:
        if t is None or id(t) in done:
            return False
        done.add(id(t))
        return True

    for mode in ("train", "eval"):
        for node in model.graphs[mode]:
            if node.aten_name in CONV_OPS | LINEAR_OPS:
                weight, bias = model.state_arg(node, 1, mode), model.state_arg(node, 2, mode)
                if fresh(weight):
                    if weight.dim() > 1:
                        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=gen)
                    else:
                        weight.uniform_(-1 / math.sqrt(weight.numel()), 1 / math.sqrt(weight.numel()), generator=gen)
                if fresh(bias):
                    bound = 1 / math.sqrt(fan_in(weight) if weight is not None else bias.numel())
                    bias.uniform_(-bound, bound, generator=gen)
            elif node.aten_name in BN_OPS:
                for i, value in ((1, 1.0), (2, 0.0), (3, 0.0), (4, 1.0)):
                    t = model.state_arg(node, i, mode)
                    if fresh(t):
                        t.fill_(value)
    for name, buf in model.named_buffers():
        if name.endswith("num_batches_tracked"):
            buf.zero_()


class _Clock:
    """The run's wall clock. The work of a run is bounded before it starts (run_work), so a run that still
    outlasts budget_s says the machine is slow or busy: a GraderFault, never the student's."""

    def __init__(self, budget_s: float | None):
        self.budget_s, self.start = budget_s, time.monotonic()

    def check(self, done: int, total: int, what: str) -> None:
        spent = time.monotonic() - self.start
        if self.budget_s is not None and spent > self.budget_s:
            raise GraderFault(f"an accuracy run took over {self.budget_s:g} s ({what} {done}/{total} after {spent:.0f} s) "
                              "although its work is within MAX_RUN_WORK: the machine is too busy; lower --jobs")


def run_work(model: GraphModel, cfg: RunConfig) -> float:
    """The work of cfg's run on model, in FLOP-equivalents: matmul and convolution FLOPs, plus every
    element that an operation writes at ELEMENT_COST each, for the training steps (a backward costs
    about two forwards) and the evaluations. Counted on meta tensors: the same on every machine."""
    def per_image(training: bool) -> float:
        model.train(training)
        flops, elements = forward_work(model)
        return flops + ELEMENT_COST * elements

    try:
        train, evaluate = per_image(True), per_image(False)
    finally:
        model.train()
    return 3 * train * cfg.steps * cfg.batch_size + evaluate * (CHANCE_IMAGES + TEST_PER_CLASS * 10)


@torch.no_grad()
def batch_mismatch(n: int, shape) -> str:
    """The shape story of an output whose rows are not the images put in (a wrong flatten size)."""
    return (f"採点用の学習でモデルに {n} 枚入れると、出力の形が ({n}, 10) ではなく {tuple(shape)} になりました。"
            "平坦化 (flatten) の次元数 (view / flatten の引数) が、1 枚あたりの次元数と合っているか見直しましょう。")


def test_accuracy(model: GraphModel, images: torch.Tensor, labels: torch.Tensor, clock: _Clock | None = None) -> float:
    model.eval()
    batch = model.static_batch or EVAL_BATCH
    correct = 0
    for start in range(0, len(labels), batch):
        stop = min(start + batch, len(labels))
        x = normalize(images[start:stop])  # (b, 3, 32, 32)
        if model.static_batch and len(x) < batch:  # eval-mode BN uses running stats: padding changes nothing
            x = torch.cat([x, x.new_zeros(batch - len(x), *x.shape[1:])])
        out = model(x)
        pred = out[: stop - start].argmax(1)
        if pred.shape[0] not in (stop - start, 1):  # would not compare with the labels
            raise CheckFailed(batch_mismatch(len(x), out.shape))
        correct += (pred == labels[start:stop]).sum().item()
        if clock:
            clock.check(stop, len(labels), "評価")
    return 100.0 * correct / len(labels)


def short_run(model: GraphModel, data, cfg: RunConfig, seed: int = 0, budget_s: float | None = None,
              max_work: float = MAX_RUN_WORK) -> float:
    """Re-initialise, show the model is at chance, train cfg.steps seeded SGD steps, return test accuracy (%).

    CheckFailed when state that the grader does not re-initialise would enter the run, when the
    fresh model is not at chance, or when the run's work is over max_work. GraderFault when it
    still takes longer than budget_s (a slow machine). Runs on ACCURACY_THREADS torch threads whatever
    the caller's count, so the result does not depend on the cores or --jobs.
    """
    try:
        return _checked_run(model, data, cfg, seed, budget_s, max_work)
    except (CheckFailed, GraderFault, MemoryError):
        raise
    except Exception as exc:  # the submission's computation failed inside the run: the submission's, unless
        cause = machine_cause(exc)  # the machine's (EAGAIN, ENOSPC, missing data)
        if cause:
            raise GraderFault(cause) from exc
        if any(marker in str(exc) for marker in MEMORY_MARKERS):
            raise  # its own memory budget: the plugin says so
        raise CheckFailed(f"採点用の学習の途中でモデルの計算がエラーになりました ({exception_line(exc, 200)})。") from None


def _checked_run(model: GraphModel, data, cfg: RunConfig, seed: int, budget_s: float | None, max_work: float) -> float:
    problems = state_problems(model)
    if problems:
        raise CheckFailed("採点用の学習に使えないモデルです: " + " ".join(problems[:3]))
    work = run_work(model, cfg)
    if work > max_work:
        raise CheckFailed(f"採点用の学習の計算量が多すぎます ({work / 1e12:.1f} TFLOP 相当、上限 {max_work / 1e12:g} TFLOP)。"
                          "forward の計算量を見直しましょう。")
    threads = torch.get_num_threads()
    torch.set_num_threads(ACCURACY_THREADS)
    try:
        return _train_and_test(model, data, cfg, seed, budget_s)
    finally:
        torch.set_num_threads(threads)


def _train_and_test(model: GraphModel, data, cfg: RunConfig, seed: int, budget_s: float | None) -> float:
    train_x, train_y, test_x, test_y = data
    torch.manual_seed(seed)
    init_parameters(model, seed)
    chance = test_accuracy(model, test_x[:CHANCE_IMAGES], test_y[:CHANCE_IMAGES], _Clock(budget_s))
    if chance >= min(CHANCE_MAX, cfg.threshold):
        raise CheckFailed(f"学習を始める前 (重みを初期化した直後) から正解率が {chance:.1f}% ありました (偶然なら約 10%)。"
                          "初期化される重み以外のところに、学習済みの情報を持ち込まないでください。")
    gen = torch.Generator().manual_seed(seed)
    need = cfg.steps * cfg.batch_size
    order = torch.cat([torch.randperm(len(train_y), generator=gen) for _ in range(math.ceil(need / len(train_y)))])
    order = order[:need].view(cfg.steps, cfg.batch_size)  # (steps, batch)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    opt.zero_grad(set_to_none=True)
    clock = _Clock(budget_s)
    model.train()
    for step, idx in enumerate(order):
        out = model(normalize(train_x[idx]))
        if out.dim() != 2 or out.shape[0] != len(idx):  # cross_entropy would refuse it
            raise CheckFailed(batch_mismatch(len(idx), out.shape))
        loss = F.cross_entropy(out, train_y[idx])
        if not torch.isfinite(loss):
            break
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)  # gradients go before the next forward builds its activations
        clock.check(step + 1, cfg.steps, "ステップ")
    clock = _Clock(budget_s)
    return test_accuracy(model, test_x, test_y, clock)


def run_key(name: str, model: GraphModel, *, data_key: str, artifacts: list[Path], seed: int = 0) -> str:
    """The accuracy cache's key for name's run with seed: the run settings, the training code, the data's
    content, the torch build and the CPU's kernels, and the model's computation (canonical.py), so that
    models which compute the same share one run whatever their names. Where the canonical form cannot
    be made, the artifacts' bytes stand in."""
    digest = hashlib.sha256(f"{name}|{RUNS[name]}|{seed}|{data_key}|{torch.__version__}|{ACCURACY_THREADS}|"
                            f"{torch.backends.cpu.get_cpu_capability()}".encode())
    for source in (__file__, graph_model.__file__, canonical.__file__):
        digest.update(Path(source).read_bytes())
    try:
        digest.update(b"canonical:" + canonical.canonical_key(model).encode())
    except Exception:  # noqa: BLE001 - a graph the canonical form cannot describe: key on its bytes
        for path in artifacts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_short_run(name: str, model: GraphModel, cache: AccuracyCache, *, data_root, data_key: str,
                     budget_s: float | None, artifacts: list[Path], max_work: float = MAX_RUN_WORK) -> list[float]:
    """The accuracies of name's short runs on the grader's subsets: seed 0's, and, when it lies within
    MARGIN of the threshold, those of RERUN_SEEDS too (the verdict is then their median). Each comes from
    the cache when it holds the same computation (run_key); a new result goes into the cache."""
    cfg = RUNS[name]
    over = run_work(model, cfg) > max_work  # a bound below what a cached run was allowed: short_run says so
    accuracies = []
    for seed in (0, *RERUN_SEEDS):
        if accuracies and abs(accuracies[0] - cfg.threshold) >= MARGIN:
            break
        key = run_key(name, model, data_key=data_key, artifacts=artifacts, seed=seed)
        found = cache.get(key)
        if found is None or over:
            found = short_run(model, grader_data(data_root), cfg, seed=seed, budget_s=budget_s, max_work=max_work)
            cache.put(key, found)
        accuracies.append(found)
    return accuracies
