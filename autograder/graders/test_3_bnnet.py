"""03_batchnorm: BNNet, the padded model with BatchNorm."""
import pytest
import torch

from autograder.graders.common import check_accuracy, check_output_shapes, check_params
from autograder.graders.results import expect
from autograder.graders.structure import bn_after, layers, of_kind


@pytest.mark.check("bnnet.bn_placement", "BNNet: BN の位置", points=3)
def test_bnnet_bn_placement(submission):
    found = layers(submission.model("BNNet"))
    convs, linears = of_kind(found, "conv"), of_kind(found, "linear")
    expect(len(convs) == 4, f"畳み込み層が 4 つのはずが {len(convs)} つ見つかりました。")
    for i, conv in enumerate(convs, 1):
        bn = bn_after(found, conv)
        expect(bn is not None, f"{i} 番目の畳み込みの出力が、そのまま BatchNorm2d に入っていません (畳み込み → BN → ReLU の順)。")
        expect(bn.out == conv.out, f"{i} 番目の畳み込みの後の BN のチャネル数 ({bn.out}) が畳み込みの出力 ({conv.out}) と違います。")
    expect(len(linears) == 2, f"全結合層が 2 つのはずが {len(linears)} つ見つかりました。")
    expect(bn_after(found, linears[0]) is not None, "fc1 の出力が、そのまま BatchNorm1d に入っていません。")
    expect(bn_after(found, linears[-1]) is None, "最後の全結合層 (fc2) の後には BN を入れません。")
    extra = len(of_kind(found, "bn")) - 5
    expect(extra == 0, f"BN が 5 つのはずが {5 + extra} つ使われています。")


@pytest.mark.check("bnnet.params", "BNNet: パラメータ数", points=2)
def test_bnnet_params(submission):
    check_params(submission, "BNNet", 2_169_770)


@pytest.mark.check("bnnet.shape", "BNNet: 出力の形", points=1)
def test_bnnet_output_shape(submission):
    check_output_shapes(submission, "BNNet")


@pytest.mark.check("bnnet.running_stats", "BNNet: 学習と評価での BN の動き", points=2)
def test_bnnet_running_stats(submission):
    model = submission.model("BNNet")
    stats = [n for n, b in model.named_buffers() if n.endswith("running_mean")]
    expect(len(stats) == 5, f"BN が 5 つ (畳み込みの後に 4 つ、fc1 の後に 1 つ) 必要ですが、移動平均 (running_mean) を持つ BN が {len(stats)} つでした。")
    before = {n: b.clone() for n, b in model.named_buffers() if n in stats}
    torch.manual_seed(0)
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 3, 32, 32))
    unchanged = [n for n, b in model.named_buffers() if n in stats and torch.equal(before[n], b)]
    expect(not unchanged, f"学習モードで forward しても BN の移動平均が更新されません ({len(unchanged)} 個)。作った BN を forward で使っていますか。")
    model.eval()
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        first = model(x)
        for n, b in model.named_buffers():
            if n.endswith("running_var"):
                b.mul_(4.0)
        second = model(x)
        for n, b in model.named_buffers():
            if n.endswith("running_var"):
                b.div_(4.0)
    expect(not torch.allclose(first, second), "評価モードで BN が移動平均を使っていません。")


@pytest.mark.check("bnnet.accuracy", "BNNet: 学習後の正解率", points=3)
def test_bnnet_accuracy(submission):
    check_accuracy(submission, "BNNet")
