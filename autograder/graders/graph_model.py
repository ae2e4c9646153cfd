"""A model rebuilt, in the trusted process, from the plain graph a child exported.

The graph is data, not code: every call must name an allow-listed aten operator (or a scalar
operator), every argument is a literal or a reference to an earlier node, and the weights come
from torch.load(weights_only=True). No Python written by a student runs here.
"""
from __future__ import annotations

import json
import math
import operator
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn

# Pure tensor maths only: nothing that reads files, allocates by a requested size or calls back into Python.
ALLOWED_ATEN = frozenset("""
conv1d conv2d convolution _convolution batch_norm native_batch_norm _native_batch_norm_legit_no_training
_native_batch_norm_legit_functional layer_norm group_norm instance_norm
relu relu_ leaky_relu leaky_relu_ gelu silu silu_ sigmoid sigmoid_ tanh tanh_ hardtanh hardtanh_ elu elu_
softmax log_softmax _softmax _log_softmax
max_pool2d max_pool2d_with_indices avg_pool2d adaptive_avg_pool2d adaptive_max_pool2d
linear addmm mm matmul bmm t transpose permute view reshape flatten _unsafe_view squeeze unsqueeze
contiguous clone detach alias dropout dropout_ feature_dropout native_dropout
add add_ sub sub_ mul mul_ div div_ neg mean sum cat stack slice select expand
zeros_like ones_like sym_size sym_numel sym_stride _assert_scalar sym_constrain_range_for_size
_assert_tensor_metadata copy_ pad constant_pad_nd lift_fresh_copy clamp clamp_min clamp_max max amax
split chunk to _to_copy type_as sqrt rsqrt pow exp log abs
""".split())
ALLOWED_PY = {f"_operator.{name}": getattr(operator, name) for name in
              "getitem add sub mul floordiv truediv mod eq ne lt le gt ge neg".split()}
PLACEHOLDER_KINDS = {"PARAMETER", "BUFFER", "USER_INPUT", "CONSTANT_TENSOR"}
MAX_ELEMENTS = 100_000_000
MAX_NODES = 5000

CONV_OPS = {"conv1d", "conv2d", "convolution", "_convolution"}
BN_OPS = {"batch_norm", "native_batch_norm", "_native_batch_norm_legit_no_training",
          "_native_batch_norm_legit_functional"}
POOL_OPS = {"max_pool2d", "max_pool2d_with_indices", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"}
LINEAR_OPS = {"linear"}


class GraphError(ValueError):
    """The exported graph is malformed or uses something outside the allow-list (message in Japanese)."""


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass
class Node:
    op: str
    """'placeholder', 'call' or 'output'."""
    name: str
    target: str = ""
    """For 'call': the operator, e.g. 'aten.conv2d.default'; for 'placeholder': the state_dict key."""
    kind: str = ""
    """For 'placeholder': PARAMETER, BUFFER, USER_INPUT or CONSTANT_TENSOR."""
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    fn: object = None

    @property
    def aten_name(self) -> str:
        """'conv2d' for 'aten.conv2d.default', '' for anything else."""
        parts = self.target.split(".")
        return parts[1] if self.op == "call" and parts[0] == "aten" else ""


def _resolve(target: str):
    if target in ALLOWED_PY:
        return ALLOWED_PY[target]
    parts = target.split(".")
    if len(parts) == 3 and parts[0] == "aten" and parts[1] in ALLOWED_ATEN:
        packet = getattr(torch.ops.aten, parts[1])
        if parts[2] in packet.overloads():
            return getattr(packet, parts[2])
    raise GraphError(f"採点で扱えない演算 {target[:80]} が含まれています。")


def _decode(value, known: set[str]):
    if isinstance(value, dict):
        if set(value) == {"ref"}:
            if value["ref"] not in known:
                raise GraphError("グラフの参照が壊れています。")
            return Ref(value["ref"])
        if set(value) == {"list"}:
            return [_decode(v, known) for v in value["list"]]
        if set(value) == {"float"} and value["float"] in ("inf", "-inf", "nan"):
            return float(value["float"])
        if set(value) == {"dtype"}:
            dtype = getattr(torch, str(value["dtype"]), None)
            if isinstance(dtype, torch.dtype):
                return dtype
        if set(value) == {"device"} and value["device"] == "cpu":
            return torch.device("cpu")
        for key, cls in (("memory_format", torch.memory_format), ("layout", torch.layout)):
            if set(value) == {key}:
                found = getattr(torch, str(value[key]), None)
                if isinstance(found, cls):
                    return found
        raise GraphError(f"グラフに扱えない値があります: {str(value)[:80]}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise GraphError("グラフに扱えない値があります。")


def parse_graph(raw: list) -> list[Node]:
    """Validate a child's node list and resolve its operators."""
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_NODES:
        raise GraphError("グラフの形式が正しくありません。")
    nodes, known = [], set()
    for item in raw:
        if not isinstance(item, dict) or item.get("op") not in ("placeholder", "call", "output"):
            raise GraphError("グラフの形式が正しくありません。")
        op = item["op"]
        if op == "output":
            nodes.append(Node("output", "output", args=_decode(item.get("args"), known)))
            break
        name = item.get("name")
        if not isinstance(name, str) or name in known:
            raise GraphError("グラフのノード名が正しくありません。")
        if op == "placeholder":
            if item.get("kind") not in PLACEHOLDER_KINDS:
                raise GraphError(f"扱えない入力の種類です: {str(item.get('kind'))[:40]}")
            nodes.append(Node("placeholder", name, target=str(item.get("target") or ""), kind=item["kind"]))
        else:
            target = str(item.get("target"))
            args = _decode({"list": item.get("args", {}).get("list", [])}, known)
            kwargs = {str(k): _decode(v, known) for k, v in dict(item.get("kwargs") or {}).items()}
            nodes.append(Node("call", name, target=target, args=args, kwargs=kwargs, fn=_resolve(target)))
        known.add(name)
    if not nodes or nodes[-1].op != "output":
        raise GraphError("グラフに出力がありません。")
    if sum(n.kind == "USER_INPUT" for n in nodes) != 1:
        raise GraphError("モデルの入力は画像テンソル 1 つにしてください。")
    return nodes


def _key(target: str) -> str:
    return target.replace(".", "__")


class GraphModel(nn.Module):
    """Runs the train graph in train mode and the eval graph in eval mode, over shared weights."""

    def __init__(self, graphs: dict[str, list[Node]], tensors: dict[str, torch.Tensor], static_batch: int | None):
        super().__init__()
        self.graphs = graphs
        self.static_batch = static_batch
        self.targets: dict[str, str] = {}  # placeholder target -> attribute key
        self.placeholders = {mode: {n.name: n for n in nodes if n.op == "placeholder"} for mode, nodes in graphs.items()}
        self.last_uses = {mode: _last_uses(nodes) for mode, nodes in graphs.items()}
        total = 0
        for nodes in graphs.values():
            for node in nodes:
                if node.op != "placeholder" or node.kind == "USER_INPUT" or node.target in self.targets:
                    continue
                tensor = tensors.get(node.target)
                if not isinstance(tensor, torch.Tensor) or tensor.is_sparse or tensor.device.type != "cpu":
                    raise GraphError(f"重み {node.target[:60]} が見つかりません。")
                total += tensor.numel()
                if total > MAX_ELEMENTS:
                    raise GraphError("重みが大きすぎます。")
                key = _key(node.target)
                if node.kind == "PARAMETER":
                    self.register_parameter(key, nn.Parameter(tensor.detach().clone().float()))
                else:
                    self.register_buffer(key, tensor.detach().clone())
                self.targets[node.target] = key

    def tensor(self, target: str) -> torch.Tensor:
        return getattr(self, self.targets[target])

    def state_arg(self, node: Node, i: int, mode: str = "train") -> torch.Tensor | None:
        """The parameter or buffer passed as node's i-th argument, if it is one."""
        ref = node.args[i] if len(node.args) > i else None
        holder = self.placeholders[mode].get(ref.name) if isinstance(ref, Ref) else None
        return self.tensor(holder.target) if holder and holder.kind in ("PARAMETER", "BUFFER") else None

    @property
    def parameter_targets(self) -> list[str]:
        return [t for t, k in self.targets.items() if k in dict(self.named_parameters(recurse=False))]

    def forward(self, x: torch.Tensor, record: dict | None = None) -> torch.Tensor:
        """Run the graph of the current mode; record collects each call node's output when given."""
        env: dict[str, object] = {}
        on_meta = x.device.type == "meta"

        def load(value):
            if isinstance(value, Ref):
                return env[value.name]
            if isinstance(value, list):
                return [load(v) for v in value]
            return value

        mode = "train" if self.training else "eval"
        last_uses = self.last_uses[mode]
        for node in self.graphs[mode]:
            for name in last_uses.get(node.name, ()):  # values no later node reads: free them (autograd keeps what it needs)
                env.pop(name, None)
            if node.op == "placeholder":
                tensor = x if node.kind == "USER_INPUT" else self.tensor(node.target)
                env[node.name] = tensor.to("meta") if on_meta else tensor
            elif node.op == "call":
                env[node.name] = node.fn(*load(node.args), **{k: load(v) for k, v in node.kwargs.items()})
                if record is not None:
                    record[node.name] = env[node.name]
            else:
                out = load(node.args)
                out = out[0] if isinstance(out, list) and len(out) == 1 else out
                if not isinstance(out, torch.Tensor):
                    raise GraphError("forward の戻り値がテンソル 1 つではありません。")
                return out
        raise GraphError("グラフに出力がありません。")


def load_tensors(path: Path, max_mb: int):
    """torch.load(weights_only=True) of a child's file, refusing compressed archives: a small file must
    not inflate to gigabytes. Stored entries read no more bytes than the file has. ValueError otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"not a torch archive ({type(exc).__name__})") from None
    if any(e.compress_type != zipfile.ZIP_STORED for e in entries) or sum(e.file_size for e in entries) > max_mb * 2**20:
        raise ValueError("compressed or oversized archive")
    return torch.load(path, weights_only=True, map_location="cpu")


def refs(value):
    """Names of the nodes a value (an argument, a list, a dict of kwargs) refers to."""
    if isinstance(value, Ref):
        yield value.name
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from refs(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from refs(v)


def _last_uses(nodes: list[Node]) -> dict[str, list[str]]:
    """Node name -> the values whose last reader was the node just before it (so they can go before it runs)."""
    last: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for name in refs([node.args, node.kwargs]):
            last[name] = i
    free: dict[str, list[str]] = {}
    for name, i in last.items():
        if i + 1 < len(nodes):
            free.setdefault(nodes[i + 1].name, []).append(name)
    return free


def load_model(graph_file: Path, weights_file: Path) -> GraphModel:
    """Read a child's <Model>.graph.json and <Model>.weights.pt; GraphError if anything is off."""
    try:
        raw = json.loads(graph_file.read_text(encoding="utf-8"))
        tensors = load_tensors(weights_file, 1024)
    except Exception as exc:  # unreadable, not JSON, or a pickle that weights_only refuses
        raise GraphError(f"成果物を読めませんでした ({type(exc).__name__})。") from None
    if not isinstance(raw, dict) or not isinstance(tensors, dict):
        raise GraphError("成果物の形式が正しくありません。")
    static = raw.get("static_batch")
    if static is not None and (not isinstance(static, int) or not 1 <= static <= 1024):
        raise GraphError("成果物の形式が正しくありません。")
    graphs = {mode: parse_graph(raw.get(mode)) for mode in ("train", "eval")}
    return GraphModel(graphs, tensors, static)


def forward_flops(model: GraphModel) -> int:
    """FLOPs of one image's forward pass in the current mode, counted on meta tensors (nothing is computed)."""
    return forward_work(model)[0]


def forward_work(model: GraphModel) -> tuple[int, int]:
    """(matmul and convolution FLOPs, elements written by all operations) of one image's forward pass in
    the current mode, counted on meta tensors (nothing is computed)."""
    from torch.utils.flop_counter import FlopCounterMode

    batch = model.static_batch or 2
    counter, record = FlopCounterMode(display=False), {}
    with counter, torch.no_grad():
        model(torch.empty(batch, 3, 32, 32, device="meta"), record=record)

    def elements(value) -> int:
        if isinstance(value, torch.Tensor):
            return value.numel()
        return sum(map(elements, value)) if isinstance(value, (list, tuple)) else 0

    return counter.get_total_flops() // batch, sum(map(elements, record.values())) // batch


def live_nodes(nodes: list[Node]) -> set[str]:
    """Names of the nodes the output depends on (placeholders included)."""
    by_name = {n.name: n for n in nodes}
    todo, live = [nodes[-1]], set()
    while todo:
        node = todo.pop()
        for name in refs([node.args, node.kwargs]):
            if name not in live:
                live.add(name)
                todo.append(by_name[name])
    return live


def read_targets(model: GraphModel) -> set[str]:
    """State targets that some node the output depends on reads, in either mode."""
    found = set()
    for nodes in model.graphs.values():
        live = live_nodes(nodes)
        found |= {n.target for n in nodes if n.op == "placeholder" and n.kind != "USER_INPUT" and n.name in live}
    return found


def parameter_count(model: GraphModel) -> int:
    """Parameters that the forward pass reads: one that no op uses (or whose result is thrown away) does not count."""
    used = read_targets(model)
    return sum(model.tensor(t).numel() for t in model.parameter_targets if t in used)


def fan_in(weight: torch.Tensor) -> int:
    return math.prod(weight.shape[1:]) if weight.dim() > 1 else weight.shape[0]
