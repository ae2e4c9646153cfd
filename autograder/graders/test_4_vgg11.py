"""04_vgg11: the completed VGG11 template."""
import pytest

from autograder.graders.common import check_accuracy, check_output_shapes, check_params, refuse
from autograder.graders.structure import layers
from autograder.public_checks import judge


@pytest.mark.check("vgg11.convs", "VGG11: 畳み込みとプーリング", points=3)
def test_vgg11_convs(submission):
    refuse(judge.vgg11_convs_problem(layers(submission.model("VGG11"))))


@pytest.mark.check("vgg11.batchnorm", "VGG11: BN の位置", points=2)
def test_vgg11_batchnorm(submission):
    refuse(judge.vgg11_batchnorm_problem(layers(submission.model("VGG11"))))


@pytest.mark.check("vgg11.classifier", "VGG11: 平坦化した次元と全結合層", points=2)
def test_vgg11_classifier(submission):
    refuse(judge.vgg11_classifier_problem(layers(submission.model("VGG11"))))


@pytest.mark.check("vgg11.params", "VGG11: パラメータ数", points=2)
def test_vgg11_params(submission):
    check_params(submission, "VGG11", judge.VGG11_PARAMS)


@pytest.mark.check("vgg11.shape", "VGG11: 出力の形 (奇数枚)", points=2)
def test_vgg11_output_shape(submission):
    check_output_shapes(submission, "VGG11")


@pytest.mark.check("vgg11.accuracy", "VGG11: 学習後の正解率", points=3)
def test_vgg11_accuracy(submission):
    check_accuracy(submission, "VGG11")
