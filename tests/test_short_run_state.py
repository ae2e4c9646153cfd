"""What may enter the grader's accuracy run: only state that conv, linear and BatchNorm own, a model at
chance before its first step, within a time budget. Models are exported through the child's code path."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.graders.graph_model import parameter_count
from autograder.graders.results import CheckFailed
from autograder.graders.short_run import RunConfig, short_run, state_problems
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


def test_a_run_over_its_time_budget_stops_with_a_reason():
    with pytest.raises(CheckFailed, match="時間がかかりすぎる"):
        short_run(export_trusted(VGG11), synthetic(), RunConfig(steps=1000, threshold=15.0), budget_s=0.5)


class PadValues(Base):
    """Numbers smuggled in as pad values instead of arithmetic."""

    def forward(self, x):
        c = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (N, 3)
        hint = torch.cat([F.pad(c[:, :0], (0, 1), value=0.01 * k) for k in range(20)], 1)  # (N, 20)
        return self.head(x) + hint[:, :10] + hint[:, 10:]


def test_numbers_in_any_operation_count_toward_the_literal_budget():
    problems = state_problems(export_trusted(PadValues))
    assert any("数値を直接書いた演算" in p for p in problems)
