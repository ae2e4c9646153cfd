"""Verdicts and messages of every check: one source for the hidden graders and the notebooks' check cells.

Each `*_problem` function returns the Japanese message of the first thing wrong, or None. They read
plain records (Layer, numbers, shapes), so the same function judges a graph that the grader rebuilt
from the sandbox's export and a live model that a check cell traced in Colab.
"""
import math
from collections import namedtuple

NET_PARAMS = 62_006
BNNET_PARAMS = 2_169_770
VGG11_PARAMS = 28_154_954
VGG11_CONV_CHANNELS = [64, 128, 256, 256, 512, 512, 512, 512]
VGG11_FC_OUT = [4096, 4096, 10]
"""Output features of VGG11's three linear layers (the template gives them)."""
INPUT_SIDE = 32
"""Height and width of a CIFAR-10 image."""
VGG11_POOLS = 5
SHAPE_SIZES = {"Net": ((2, 7), (1,)), "BNNet": ((2, 7), (1,)), "VGG11": ((3, 7), (1, 5))}
"""Batch sizes fed in train mode and in eval mode; an odd size catches a view(-1, ...) that mixes images."""


Layer = namedtuple("Layer", ["kind", "node", "source", "out", "inp"], defaults=(0, 0))
"""One conv, BN, pooling or linear op, in forward order.

kind: 'conv', 'bn', 'pool' or 'linear'. node: the op's name (a graph node, or a counter in a traced
forward). source: the op whose output it takes as its first input (None: the model's input). out: output
channels (conv), features (linear) or normalised channels (bn). inp: input channels or features.
"""


def of_kind(found, kind):
    return [layer for layer in found if layer.kind == kind]


def bn_after(found, layer):
    """The BatchNorm that takes layer's output directly, if any."""
    return next((bn for bn in of_kind(found, "bn") if bn.source == layer.node), None)


# ---------------------------------------------------------------- models (01, 03, 04)

PARAMS_CAUSES = {
    "Net": "各層の入出力の数とカーネルサイズを表と見比べましょう。",
    "BNNet": ("よくある原因: BN を 1 つだけ作って複数の層で使い回している (BN は層ごとに別のインスタンス)、"
              "BN のチャネル数の間違い、層の入出力の数の間違い。"),
    "VGG11": ("よくある原因: 畳み込みに bias を残した (BN の前は bias=False) か全結合層の bias を消した、"
              "BN を使い回している、平坦化 (flatten) した次元数や層の入出力の数の間違い。"),
}


def params_problem(name, count, target):
    if count != target:
        return (f"{name} のパラメータ数が目標と違います (目標 {target:,} / あなたのモデル {count:,}、"
                f"差 {count - target:+,})。{PARAMS_CAUSES.get(name, '')}")
    return None


def shape_problem(name, n, mode, shape):
    """mode: True for train mode. shape: the output's shape as a tuple."""
    if tuple(shape) != (n, 10):
        return (f"{name} に {n} 枚入れたときの出力 ({_mode(mode)}) が ({n}, 10) ではなく {tuple(shape)} でした。"
                "平坦化 (flatten) の次元数 (view / flatten の引数) を見直しましょう。")
    return None


def forward_error(name, n, mode, error_text):
    return f"{name} に {n} 枚入れると ({_mode(mode)}) エラーになりました: {' '.join(str(error_text).split())[:200]}"


def _mode(training):
    return "学習モード" if training else "評価モード"


def bnnet_bn_problem(found):
    convs, linears = of_kind(found, "conv"), of_kind(found, "linear")
    if len(convs) != 4:
        return f"畳み込み層が 4 個のはずが {len(convs)} 個見つかりました。"
    for i, conv in enumerate(convs, 1):
        bn = bn_after(found, conv)
        if bn is None:
            return f"{i} 番目の畳み込みの出力が、そのまま BatchNorm2d に入っていません (畳み込み → BN → ReLU の順)。"
        if bn.out != conv.out:
            return f"{i} 番目の畳み込みの後の BN のチャネル数 ({bn.out}) が畳み込みの出力 ({conv.out}) と違います。"
    if len(linears) != 2:
        return f"全結合層が 2 個のはずが {len(linears)} 個見つかりました。"
    if bn_after(found, linears[0]) is None:
        return "fc1 の出力が、そのまま BatchNorm1d に入っていません (全結合 → BN → ReLU の順)。"
    if bn_after(found, linears[-1]) is not None:
        return "最後の全結合層 (fc2) の後には BN を入れません。"
    bns = len(of_kind(found, "bn"))
    if bns != 5:
        return f"BN が 5 個のはずが {bns} 個使われています。"
    return None


def running_stats_count_problem(count):
    if count != 5:
        return ("BN が 5 個 (畳み込みの後に 4 個、fc1 の後に 1 個) 必要ですが、"
                f"移動平均 (running_mean) を持つ BN が {count} 個でした。")
    return None


def running_stats_update_problem(unchanged):
    if unchanged:
        return f"学習モードで forward しても BN の移動平均が更新されません ({unchanged} 個)。作った BN を forward で使っていますか。"
    return None


def running_stats_eval_problem(eval_uses_stats):
    return None if eval_uses_stats else "評価モードで BN が移動平均を使っていません。"


def vgg11_convs_problem(found):
    channels = [c.out for c in of_kind(found, "conv")]
    pools = len(of_kind(found, "pool"))
    want = VGG11_CONV_CHANNELS
    if len(channels) != len(want):
        return f"畳み込み層が {len(want)} 個のはずが {len(channels)} 個です (出力チャネル {channels})。"
    if channels != want:
        return f"畳み込みの出力チャネルの並び {channels} が VGG11 の表と違います。"
    if pools != VGG11_POOLS:
        return (f"プーリングが {VGG11_POOLS} 回のはずが {pools} 回です。padding=1 の 3×3 畳み込みは縦横を変えず、"
                "2×2 の最大プーリングのたびに縦横が半分になります。")
    return None


def vgg11_batchnorm_problem(found):
    # Needs the 8 convolutions and 3 fully connected layers first: a rule about "every conv"
    # must not hold for a model that has none.
    convs, linears = of_kind(found, "conv"), of_kind(found, "linear")
    if len(convs) != len(VGG11_CONV_CHANNELS):
        return f"BN の位置を確かめるには畳み込み層が {len(VGG11_CONV_CHANNELS)} 個必要ですが、{len(convs)} 個でした。"
    if len(linears) != len(VGG11_FC_OUT):
        return f"BN の位置を確かめるには全結合層が {len(VGG11_FC_OUT)} 個必要ですが、{len(linears)} 個でした。"
    missing = [i for i, c in enumerate(convs, 1) if bn_after(found, c) is None]
    if missing:
        return f"{_ordinals(missing)} 番目の畳み込みの直後に BatchNorm2d がありません。"
    hidden = [i for i, l in enumerate(linears[:-1], 1) if bn_after(found, l) is None]
    if hidden:
        return f"{_ordinals(hidden)} 番目の全結合層の直後に BatchNorm1d がありません。"
    if bn_after(found, linears[-1]) is not None:
        return "最後の全結合層の後には BN を入れません。"
    return None


def _ordinals(numbers):
    return ", ".join(str(n) for n in numbers)


def vgg11_classifier_problem(found):
    linears = of_kind(found, "linear")
    if not linears:
        return "全結合層が見つかりません。"
    # What VGG11's table delivers to the flatten: the last conv's channels, each pooling halving 32 x 32.
    arriving = VGG11_CONV_CHANNELS[-1] * (INPUT_SIDE >> VGG11_POOLS) ** 2
    if linears[0].inp != arriving:
        return (f"全結合層に渡す次元数が {linears[0].inp} です。平坦化 (flatten) する前の形、つまり "
                f"{VGG11_POOLS} 回のプーリングの後の形 (チャネル × 高さ × 幅) を考えましょう。")
    outs = [l.out for l in linears]
    chained = all(l.inp == prev.out for prev, l in zip(linears, linears[1:]))
    if outs != VGG11_FC_OUT or not chained:
        sizes = ", ".join(f"{l.inp} → {l.out}" for l in linears)
        return f"全結合層の (入力 → 出力) が {sizes} です。4096 → 4096 → 10 になっているか確かめましょう。"
    return None


# ---------------------------------------------------------------- functions (02)

NOT_MOVED = {
    "inputs": "入力 (画像) が device に移されていません。",
    "labels": "ラベルが device に移されていません。",
    "neither": "入力もラベルも device に移されていません。",
}


def close(a, b):
    return type(a) is float and math.isfinite(a) and math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-5)


def device_problem(kind, text, available):
    """kind: 'device' for a torch.device, else the returned type's name; text: str() of it."""
    if kind != "device":
        return f"torch.device を返してください (返ってきた型: {kind})。"
    if available and text not in ("cuda", "cuda:0"):
        # torch.device("cuda") and torch.device("cuda:0") are the same GPU on a one-GPU runtime (Colab)
        return f"CUDA が使えるときは cuda (または cuda:0) を返すはずが {text} でした。"
    if not available and text != "cpu":
        return f"CUDA が使えないときは cpu を返すはずが {text} でした。"
    return None


def function_error(name, error_text):
    return f"{name} の実行中にエラー: {' '.join(str(error_text).split())[:300]}"


def number_problem(value, kind, what):
    if type(value) is not float:
        return f"{what}を数値 (float) で返してください (返ってきた型: {kind})。"
    return None


def train_moves_problem(case):
    """case: which probe case the weights after train_one_epoch match ('both', 'inputs', ... or None)."""
    if case is None:
        return ("学習後の重みが、入力とラベルを device に移して各ミニバッチで 1 回ずつ更新したときの重みと一致しません"
                " (移し忘れたときの重みとも違います)。1 エポックで各ミニバッチを 1 回ずつ学習していますか。")
    return NOT_MOVED.get(case)


def train_loss_problem(case, loss, kind, cases):
    if case is None:
        return "重みが正しく更新されていません。zero_grad → forward → loss → backward → step の順を確かめましょう。"
    expected = cases[case][2]
    return number_problem(loss, kind, "平均損失") or (
        None if close(loss, expected) else
        f"返した値 {loss:.4f} が、ミニバッチごとの loss.item() の平均 ({expected:.4f}) と一致しません。")


def evaluate_moves_problem(acc, kind, cases):
    found = number_problem(acc, kind, "正解率")
    if found:
        return found
    matched = [c for c, v in cases.items() if close(acc, v) or close(acc * 100, v)]
    if not matched:
        return (f"返した正解率 {acc:.4g} が、画像とラベルを device に移したときの正解率 {cases['both']:.4g} (%) と"
                "一致しません (移し忘れたときの値とも違います)。")
    return NOT_MOVED.get(matched[0])


def evaluate_percent_problem(acc, kind, cases):
    found = number_problem(acc, kind, "正解率")
    if found:
        return found
    if any(close(acc * 100, v) for v in cases.values()) and acc <= 1:
        return f"{acc:.4g} は割合のようです。パーセント (0〜100) で返してください。"
    if not any(close(acc, v) for v in cases.values()):
        return f"返した正解率 {acc:.4g} が、正しい値 {cases['both']:.4g} (%) と一致しません。"
    return None


def history_shape_problem(history, kind):
    """history as plain data: a list of dicts. kind: the returned type's name."""
    if type(history) is not list:
        return f"fit はエポックごとの辞書のリストを返してください (返ってきた型: {kind})。"
    for entry in history:
        if type(entry) is not dict or not {"loss", "accuracy"} <= set(entry):
            return 'fit の戻り値の各要素は "loss" と "accuracy" を持つ辞書にしてください。'
    return None


def _same(history, expected):
    return len(history) == len(expected) and all(
        close(h.get("loss"), e["loss"]) and close(h.get("accuracy"), e["accuracy"]) for h, e in zip(history, expected))


def fit_history_problem(history, kind, epochs, cases):
    found = history_shape_problem(history, kind)
    if found:
        return found
    if len(history) != epochs:
        return f"epochs={epochs} なら記録は {epochs} 個 (1 エポックに 1 個) のはずが、{len(history)} 個返りました。"
    for h in history:
        for key in ("loss", "accuracy"):
            value = h[key]
            if type(value) is not float or not math.isfinite(value):
                return f'"{key}" が数値ではありません (型: {type(value).__name__})。'
    if not any(_same(history, c) for c in cases.values()):
        return "記録の値が、各エポックの train_one_epoch と evaluate の結果と一致しません。損失関数・最適化手法を変えていませんか。"
    return None


def fit_moves_problem(history, kind, cases):
    found = history_shape_problem(history, kind)
    if found:
        return found
    if _same(history, cases["not_moved"]):
        return "モデルが device に移されていません。学習の前にモデルを device に移しましょう。"
    if not _same(history, cases["moved"]):
        return "fit の結果が想定と一致しません。損失関数・最適化手法・エポック数を変えていませんか。"
    return None
