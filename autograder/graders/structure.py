"""Layer structure read off a GraphModel's train graph, in forward order (records: public_checks/judge.Layer)."""
from __future__ import annotations

from autograder.graders.graph_model import BN_OPS, CONV_OPS, LINEAR_OPS, POOL_OPS, GraphModel, Ref
from autograder.public_checks.judge import Layer, bn_after, of_kind

__all__ = ["Layer", "bn_after", "layers", "of_kind"]


def layers(model: GraphModel) -> list[Layer]:
    found = []
    for node in model.graphs["train"]:
        name = node.aten_name
        source = node.args[0].name if node.args and isinstance(node.args[0], Ref) else None
        if name in CONV_OPS | LINEAR_OPS:
            weight = model.state_arg(node, 1)
            if weight is None or weight.dim() < 2:
                continue
            kind = "conv" if name in CONV_OPS else "linear"
            found.append(Layer(kind, node.name, source, out=weight.shape[0], inp=weight.shape[1]))
        elif name in BN_OPS:
            stat = model.state_arg(node, 3) if model.state_arg(node, 1) is None else model.state_arg(node, 1)
            found.append(Layer("bn", node.name, source, out=stat.shape[0] if stat is not None else 0))
        elif name in POOL_OPS:
            found.append(Layer("pool", node.name, source))
    return found
