"""04_vgg11: the completed VGG11 template."""
import pytest

from autograder.graders.common import check_accuracy, check_output_shapes, check_params
from autograder.graders.results import expect
from autograder.graders.structure import bn_after, layers, of_kind

CONV_CHANNELS = [64, 128, 256, 256, 512, 512, 512, 512]
FC_SIZES = [(512, 4096), (4096, 4096), (4096, 10)]


@pytest.mark.check("vgg11.convs", "VGG11: 畳み込みとプーリング", points=3)
def test_vgg11_convs(submission):
    found = layers(submission.model("VGG11"))
    channels = [c.out for c in of_kind(found, "conv")]
    pools = len(of_kind(found, "pool"))
    expect(len(channels) == len(CONV_CHANNELS),
           f"畳み込み層が {len(CONV_CHANNELS)} つのはずが {len(channels)} つです (出力チャネル {channels})。")
    expect(channels == CONV_CHANNELS, f"畳み込みの出力チャネルの並び {channels} が VGG11 の表と違います。")
    expect(pools == 5, f"プーリングが 5 回のはずが {pools} 回です。")


@pytest.mark.check("vgg11.batchnorm", "VGG11: BN の位置", points=2)
def test_vgg11_batchnorm(submission):
    # Requires the 8 convolutions and 3 fully connected layers first: a rule about "every conv"
    # must not hold for a model that has none.
    found = layers(submission.model("VGG11"))
    convs, linears = of_kind(found, "conv"), of_kind(found, "linear")
    expect(len(convs) == len(CONV_CHANNELS),
           f"BN の位置を確かめるには畳み込み層が {len(CONV_CHANNELS)} つ必要ですが、{len(convs)} つでした。")
    expect(len(linears) == len(FC_SIZES),
           f"BN の位置を確かめるには全結合層が {len(FC_SIZES)} つ必要ですが、{len(linears)} つでした。")
    missing = [i for i, c in enumerate(convs, 1) if bn_after(found, c) is None]
    expect(not missing, f"{missing} 番目の畳み込みの直後に BatchNorm2d がありません。")
    hidden = [i for i, l in enumerate(linears[:-1], 1) if bn_after(found, l) is None]
    expect(not hidden, f"{hidden} 番目の全結合層の直後に BatchNorm1d がありません。")
    expect(bn_after(found, linears[-1]) is None, "最後の全結合層の後には BN を入れません。")


@pytest.mark.check("vgg11.classifier", "VGG11: 平らにした次元と全結合層", points=2)
def test_vgg11_classifier(submission):
    linears = of_kind(layers(submission.model("VGG11")), "linear")
    sizes = [(l.inp, l.out) for l in linears]
    expect(bool(sizes), "全結合層が見つかりません。")
    expect(sizes[0][0] == 512, f"全結合層に渡す次元数が {sizes[0][0]} です。5 回のプーリングの後の形 (チャネル × 高さ × 幅) を考えましょう。")
    expect(sizes == FC_SIZES, f"全結合層の (入力, 出力) が {sizes} です。4096 → 4096 → 10 になっているか確かめましょう。")


@pytest.mark.check("vgg11.params", "VGG11: パラメータ数", points=2)
def test_vgg11_params(submission):
    check_params(submission, "VGG11", 28_154_954)


@pytest.mark.check("vgg11.shape", "VGG11: 出力の形 (奇数枚)", points=2)
def test_vgg11_output_shape(submission):
    check_output_shapes(submission, "VGG11", train_sizes=(3, 7), eval_sizes=(1, 5))


@pytest.mark.check("vgg11.accuracy", "VGG11: 学習後の正解率", points=3)
def test_vgg11_accuracy(submission):
    check_accuracy(submission, "VGG11")
