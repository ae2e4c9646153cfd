"""01_tutorial: the tutorial's Net."""
import pytest

from autograder.graders.common import check_accuracy, check_output_shapes, check_params
from autograder.public_checks.judge import NET_PARAMS


@pytest.mark.check("net.params", "Net: パラメータ数", points=2)
def test_net_params(submission):
    check_params(submission, "Net", NET_PARAMS)


@pytest.mark.check("net.shape", "Net: 出力の形", points=2)
def test_net_output_shape(submission):
    check_output_shapes(submission, "Net")


@pytest.mark.check("net.accuracy", "Net: 学習後の正解率", points=3)
def test_net_accuracy(submission):
    check_accuracy(submission, "Net")
