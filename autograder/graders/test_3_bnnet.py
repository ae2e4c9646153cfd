"""03_batchnorm: BNNet, the padded model with BatchNorm."""
import pytest

from autograder.graders.common import check_accuracy, check_output_shapes, check_params, check_running_stats, refuse
from autograder.graders.structure import layers
from autograder.public_checks.judge import BNNET_PARAMS, bnnet_bn_problem


@pytest.mark.check("bnnet.bn_placement", "BNNet: BN の位置", points=3)
def test_bnnet_bn_placement(submission):
    refuse(bnnet_bn_problem(layers(submission.model("BNNet"))))


@pytest.mark.check("bnnet.params", "BNNet: パラメータ数", points=2)
def test_bnnet_params(submission):
    check_params(submission, "BNNet", BNNET_PARAMS)


@pytest.mark.check("bnnet.shape", "BNNet: 出力の形", points=1)
def test_bnnet_output_shape(submission):
    check_output_shapes(submission, "BNNet")


@pytest.mark.check("bnnet.running_stats", "BNNet: 学習と評価での BN の動き", points=2)
def test_bnnet_running_stats(submission):
    check_running_stats(submission, "BNNet")


@pytest.mark.check("bnnet.accuracy", "BNNet: 学習後の正解率", points=3)
def test_bnnet_accuracy(submission):
    check_accuracy(submission, "BNNet")
