"""What may enter the grader's accuracy run: only state that conv, linear and BatchNorm own, a model at
chance before its first step, within a time budget. Models are exported through the child's code path."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.graders.graph_model import parameter_count
from autograder.graders.results import CheckFailed
from autograder.faults import GraderFault
from autograder.graders.short_run import (ACCURACY_THREADS, MAX_RUN_WORK, RUNS, RunConfig, run_work, short_run,
                                          state_problems)
from solutions.export import export_trusted
from solutions import BNNet, Net, VGG11


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 10)

    def head(self, x):
        return self.fc(torch.flatten(x, 1))  # (N, 10)

    def forward(self, x):
        return self.head(x)


class BufferPrior(Base):
    def __init__(self):
        super().__init__()
        self.register_buffer("prior", torch.randn(10, 48))

    def forward(self, x):
        return self.head(x) + torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), self.prior.t())


class ParameterPrior(BufferPrior):
    def __init__(self):
        super().__init__()
        self.prior = nn.Parameter(torch.randn(10, 48))


CONSTANT = torch.randn(10, 48)


class ConstantPrior(Base):
    def forward(self, x):
        return self.head(x) + torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), CONSTANT.t())


class ConstantAsLinearWeight(Base):
    def forward(self, x):
        return self.head(x) + F.linear(F.adaptive_avg_pool2d(x, 4).flatten(1), CONSTANT)


class ManyLiterals(Base):
    def forward(self, x):
        c = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (N, 3)
        return self.head(x) + torch.stack([c[:, 0] * (0.1 * k) + c[:, 1] * 0.2 for k in range(10)], 1)


class UnusedPadding(Base):
    def __init__(self):
        super().__init__()
        self.padding = nn.Parameter(torch.zeros(1000))


@pytest.mark.parametrize("cls", [Net, BNNet, VGG11], ids=lambda c: c.__name__)
def test_reference_models_carry_only_owned_state(cls):
    assert state_problems(export_trusted(cls)) == []


@pytest.mark.parametrize("cls", [BufferPrior, ParameterPrior, ConstantPrior, ConstantAsLinearWeight, ManyLiterals],
                         ids=lambda c: c.__name__)
def test_state_outside_conv_linear_bn_is_refused(cls):
    problems = state_problems(export_trusted(cls))
    assert problems, "a prior fitted beforehand could reach the output"


def test_parameters_no_op_reads_do_not_count():
    assert parameter_count(export_trusted(UnusedPadding)) == 3 * 32 * 32 * 10 + 10


def synthetic(n_train=256, n_test=1000, seed=0):
    """uint8 images whose label is the brightest channel: learnable, and readable without any weight."""
    gen = torch.Generator().manual_seed(seed)
    make = lambda n: torch.randint(0, 256, (n, 3, 32, 32), generator=gen, dtype=torch.uint8)  # noqa: E731
    train_x, test_x = make(n_train), make(n_test)
    label = lambda x: x.float().mean((2, 3)).argmax(1)  # noqa: E731
    return train_x, label(train_x), test_x, label(test_x)


class ReadsTheAnswer(nn.Module):
    """No state at all: the brightest channel, padded to ten classes. Right before any training."""

    def forward(self, x):
        return F.pad(F.adaptive_avg_pool2d(x, 1).flatten(1), (0, 7), value=-100.0)


def test_a_model_right_before_training_is_refused():
    with pytest.raises(CheckFailed, match="学習を始める前"):
        short_run(export_trusted(ReadsTheAnswer), synthetic(), RunConfig(steps=2, threshold=30.0))


def test_an_honest_model_starts_at_chance_and_trains():
    acc = short_run(export_trusted(Base), synthetic(), RunConfig(steps=5, threshold=30.0))
    assert 0.0 <= acc <= 100.0


def test_a_run_with_too_much_work_is_refused_before_it_starts_on_every_machine():
    """The work is counted on meta tensors (no clock): the same verdict on a fast or a busy machine."""
    with pytest.raises(CheckFailed, match="計算量が多すぎます"):
        short_run(export_trusted(VGG11), synthetic(), RunConfig(steps=1000, threshold=15.0), budget_s=None)


@pytest.mark.parametrize("model", [Net, BNNet, VGG11])
def test_the_references_runs_fit_the_work_budget_with_room(model):
    work = run_work(export_trusted(model, model.__name__), RUNS[model.__name__])
    print(f"{model.__name__}: {work / 1e12:.2f} TFLOP-equivalents (limit {MAX_RUN_WORK / 1e12:g})")
    assert work * 2 <= MAX_RUN_WORK, "an honest model twice the reference's size must still be trained"


def test_a_run_that_outlasts_its_clock_is_the_machines_fault_not_the_students():
    """Within the work budget, a run that still takes too long means a slow or busy machine."""
    with pytest.raises(GraderFault, match="too busy"):
        short_run(export_trusted(BNNet), synthetic(), RunConfig(steps=200, threshold=15.0), budget_s=0.01)


def test_an_accuracy_run_uses_a_fixed_thread_count_and_restores_the_callers(monkeypatch):
    seen = []
    real = torch.nn.functional.cross_entropy
    monkeypatch.setattr(F, "cross_entropy", lambda *a, **k: (seen.append(torch.get_num_threads()), real(*a, **k))[1])
    torch.set_num_threads(2)
    short_run(export_trusted(Base), synthetic(), RunConfig(steps=3, threshold=30.0))
    assert set(seen) == {ACCURACY_THREADS} and torch.get_num_threads() == 2


class PadValues(Base):
    """Numbers smuggled in as pad values instead of arithmetic."""

    def forward(self, x):
        c = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (N, 3)
        hint = torch.cat([F.pad(c[:, :0], (0, 1), value=0.01 * k) for k in range(20)], 1)  # (N, 20)
        return self.head(x) + hint[:, :10] + hint[:, 10:]


def test_numbers_in_any_operation_count_toward_the_literal_budget():
    problems = state_problems(export_trusted(PadValues))
    assert any("数値を直接書いた演算" in p for p in problems)


@pytest.mark.parametrize("by_seed, runs", [({0: 29.0, 1: 31.0, 2: 30.5}, 3), ({0: 31.9, 1: 0.0, 2: 0.0}, 3),
                                           ({0: 32.5}, 1), ({0: 12.0}, 1)])
def test_a_result_near_the_threshold_is_decided_by_three_seeds(monkeypatch, by_seed, runs):
    """Net's threshold is 30%: seed 0 within MARGIN of it is run again with two more seeds."""
    from autograder.graders import short_run as module
    from autograder.graders.accuracy_cache import AccuracyCache

    seeds = []
    monkeypatch.setattr(module, "grader_data", lambda root: None)
    monkeypatch.setattr(module, "short_run", lambda model, data, cfg, seed, budget_s, max_work: (seeds.append(seed), by_seed[seed])[1])
    cache = AccuracyCache()
    model = export_trusted(Net, "Net")
    got = module.cached_short_run("Net", model, cache, data_root=None, data_key="k", budget_s=None, artifacts=[])
    assert got == [by_seed[s] for s in range(runs)] and seeds == list(range(runs)) and len(cache.known) == runs
    assert module.cached_short_run("Net", model, cache, data_root=None, data_key="k", budget_s=None, artifacts=[]) == got
    assert seeds == list(range(runs)), "each seed's run is cached"


class EvalReadsAnUntrainedCopy(nn.Module):
    """Trains one copy of the layer and evaluates another: the untouched copy could hold anything."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 10)
        self.fc_eval = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        return (self.fc if self.training else self.fc_eval)(torch.flatten(x, 1))  # (N, 10)


class StateInsideAList(Base):
    """A buffer that reaches the output through a list argument (torch.cat, torch.stack)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("prior", torch.randn(1, 10))

    def forward(self, x):
        return self.head(x) + torch.cat([self.prior] * x.shape[0])  # (N, 10)


def test_an_eval_forward_that_reads_state_training_never_updates_is_refused():
    problems = state_problems(export_trusted(EvalReadsAnUntrainedCopy))
    assert any("fc_eval" in p and "eval" in p for p in problems), problems


def test_state_inside_a_list_argument_is_examined():
    problems = state_problems(export_trusted(StateInsideAList))
    assert any("prior" in p for p in problems), problems


def test_the_cache_key_says_which_state_eval_shares_with_train():
    from autograder.graders.canonical import canonical_key

    class TrainCopyOnly(EvalReadsAnUntrainedCopy):
        def forward(self, x):
            return self.fc(torch.flatten(x, 1))  # (N, 10)

    assert canonical_key(export_trusted(EvalReadsAnUntrainedCopy)) != canonical_key(export_trusted(TrainCopyOnly))
    assert canonical_key(export_trusted(TrainCopyOnly)) == canonical_key(export_trusted(Base))
