"""A model's computation without the names its author chose: the key of the accuracy cache.

The grader re-initialises every weight with its own seed (in the order the graph uses them) and
trains with its own data order, so two models with the same canonical form reach the same accuracy,
whatever their attribute names, module nesting, registration order or exported weights. The form keeps
the op sequence, literal arguments, the data flow between ops, and each state tensor's kind, shape and
dtype in order of first use, numbered across both modes so that the key says which state the eval
forward shares with the train forward (two copies of a layer are not one layer). Reshapes (view, reshape, flatten) are kept as their input and output shapes
at two batch sizes, so `torch.flatten(x, 1)`, `x.view(-1, 400)` and `x.reshape(x.size(0), -1)` agree
where they compute the same, and a view that mixes the batch does not.
"""
from __future__ import annotations

import hashlib
import json
import math

import torch

from autograder.graders.graph_model import GraphModel, Node, Ref, refs

RESHAPES = {"view", "reshape", "flatten", "_unsafe_view"}
POOLS_WITH_STRIDE = {"max_pool2d", "avg_pool2d", "max_pool2d_with_indices"}
IN_PLACE = {"relu_", "leaky_relu_", "sigmoid_", "tanh_", "hardtanh_", "silu_", "elu_"}
"""Activations whose in-place form computes the same as the plain one when nothing reads their input later."""


def _all_args(node: Node) -> list:
    """Every argument by position, defaults filled in from the operator's schema, fixed-size lists
    written out (padding=1 -> [1, 1]), and a pooling's empty stride as its kernel size: F.max_pool2d(x, 2)
    and nn.MaxPool2d(2, 2) are the same call."""
    schema = getattr(node.fn, "_schema", None)
    if schema is None:
        return [list(node.args), dict(sorted(node.kwargs.items()))]
    values = []
    for i, arg in enumerate(schema.arguments):
        value = node.args[i] if i < len(node.args) else node.kwargs.get(arg.name, arg.default_value)
        if arg.N and isinstance(value, int) and not isinstance(value, bool):
            value = [value] * arg.N
        values.append(value)
    if node.aten_name in POOLS_WITH_STRIDE and len(values) > 2 and values[2] in ([], None):
        values[2] = values[1]
    return values


def _shapes(model: GraphModel, mode: str) -> dict[str, list]:
    """Node name -> output shape at each probe batch size (meta tensors: nothing is computed)."""
    model.train(mode == "train")
    found: dict[str, list] = {}
    for batch in (model.static_batch,) if model.static_batch else (4, 8):  # 4: the batch it was exported with
        record: dict = {}
        with torch.no_grad():
            model(torch.empty(batch, 3, 32, 32, device="meta"), record=record)
        for name, value in record.items():
            found.setdefault(name, []).append(list(value.shape) if isinstance(value, torch.Tensor) else None)
    return found


def _inputs(node: Node) -> list:
    """What a node reads that matters: a reshape only its input (its size arguments are in its shapes)."""
    return [node.args[0]] if node.aten_name in RESHAPES else [node.args, node.kwargs]


def _mode_form(model: GraphModel, mode: str, shared: dict[str, int]) -> list:
    nodes = model.graphs[mode]
    by_name = {n.name: n for n in nodes}
    live, todo = set(), [nodes[-1]]
    while todo:  # what the output depends on, through the inputs that matter
        node = todo.pop()
        for name in refs(node.args if node.op == "output" else _inputs(node)):
            if name not in live:
                live.add(name)
                todo.append(by_name[name])
    shapes = _shapes(model, mode)
    last_read = {}
    for i, node in enumerate(nodes):
        for name in refs(node.args if node.op == "output" else _inputs(node)):
            last_read[name] = i
    index: dict[str, int] = {}
    form: list = []

    def ref(name: str) -> list:
        if name not in index:  # a placeholder, at its first use
            holder = by_name[name]
            tensor = None if holder.kind == "USER_INPUT" else model.tensor(holder.target)
            if tensor is None:
                form.append(["input"])
            else:  # numbered across both modes, in order of first use: which state eval shares with train
                form.append(["state", holder.kind, list(tensor.shape), str(tensor.dtype),
                             shared.setdefault(holder.target, len(shared))])
            index[name] = len(form) - 1
        return ["ref", index[name]]

    def encode(value):
        if isinstance(value, Ref):
            return ref(value.name)
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in sorted(value.items())}
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        return value if value is None or isinstance(value, (bool, int, float, str)) else repr(value)

    for i, node in enumerate(nodes):
        if node.op == "call" and node.name in live:
            target = node.target
            source = node.args[0].name if node.args and isinstance(node.args[0], Ref) else None
            if node.aten_name in IN_PLACE and source and last_read.get(source) == i:  # nn.ReLU(inplace=True) == F.relu
                target = target.replace(f".{node.aten_name}.", f".{node.aten_name[:-1]}.")
            if node.aten_name in RESHAPES:
                entry = ["reshape", encode(node.args[0]), shapes.get(node.name)]
            else:
                entry = [target, encode(_all_args(node))]
            form.append(entry)
            index[node.name] = len(form) - 1
        elif node.op == "output":
            form.append(["output", encode(node.args)])
    return form


def canonical_form(model: GraphModel) -> list:
    """The model's computation in both modes, as plain data (see the module docstring)."""
    shared: dict[str, int] = {}
    try:
        return [["static_batch", model.static_batch], ["train", _mode_form(model, "train", shared)],
                ["eval", _mode_form(model, "eval", shared)]]
    finally:
        model.train()


def canonical_key(model: GraphModel) -> str:
    return hashlib.sha256(json.dumps(canonical_form(model), sort_keys=True).encode()).hexdigest()
