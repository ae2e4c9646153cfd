"""The trusted rebuild of exported graphs: faithful to the eager model, strict about what it runs."""
import json

import pytest
import torch
import torch.nn as nn

from autograder.graders.graph_model import GraphError, parameter_count, parse_graph
from autograder.graders.short_run import init_parameters
from autograder.graders.structure import bn_after, layers, of_kind
from solutions.export import export_trusted
from solutions import BNNet, Net, VGG11

MODELS = [Net, BNNet, VGG11]


@pytest.fixture(scope="module", params=MODELS, ids=lambda c: c.__name__)
def pair(request):
    torch.manual_seed(0)
    eager = request.param()
    torch.manual_seed(0)
    return eager, export_trusted(request.param)


def test_rebuilt_model_matches_eager_in_both_modes(pair):
    eager, rebuilt = pair
    assert parameter_count(rebuilt) == sum(p.numel() for p in eager.parameters())
    x = torch.randn(5, 3, 32, 32)
    for train in (False, True):
        eager.train(train)
        rebuilt.train(train)
        with torch.no_grad():
            assert torch.allclose(eager(x), rebuilt(x), atol=1e-5), f"train={train}"


def test_rebuilt_model_gets_gradients_everywhere(pair):
    _, rebuilt = pair
    rebuilt.train()
    rebuilt.zero_grad()
    nn.functional.cross_entropy(rebuilt(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3])).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in rebuilt.parameters())


def test_grader_init_is_pytorch_default_init(pair):
    eager, rebuilt = pair
    torch.manual_seed(0)
    fresh = type(eager)()
    init_parameters(rebuilt, seed=0)
    mine = dict(rebuilt.named_parameters())
    for name, p in fresh.named_parameters():
        assert torch.equal(mine[name.replace(".", "__")], p), name


def test_structure_of_bnnet():
    found = layers(export_trusted(BNNet))
    convs, linears = of_kind(found, "conv"), of_kind(found, "linear")
    assert [c.out for c in convs] == [32, 32, 64, 64] and len(of_kind(found, "pool")) == 2
    assert all(bn_after(found, c) is not None for c in convs)
    assert bn_after(found, linears[0]).out == 512 and bn_after(found, linears[1]) is None


def _graph(target="aten.relu.default", extra=None):
    nodes = [{"op": "placeholder", "name": "x", "kind": "USER_INPUT", "target": None},
             {"op": "call", "name": "y", "target": target, "args": {"list": [{"ref": "x"}]}, "kwargs": {}},
             {"op": "output", "args": {"list": [{"ref": "y"}]}}]
    return nodes if extra is None else nodes[:2] + extra + nodes[2:]


def test_parse_accepts_allow_listed_ops():
    assert [n.op for n in parse_graph(_graph())] == ["placeholder", "call", "output"]


@pytest.mark.parametrize("bad", [
    _graph("aten.from_file.default"),
    _graph("builtins.eval"),
    _graph("os.system"),
    [{"op": "placeholder", "name": "x", "kind": "USER_INPUT", "target": None},
     {"op": "call", "name": "y", "target": "aten.relu.default", "args": {"list": [{"ref": "nope"}]}, "kwargs": {}},
     {"op": "output", "args": {"list": [{"ref": "y"}]}}],
    [{"op": "call_module", "name": "m"}],
    _graph(extra=[{"op": "call", "name": "z", "target": "aten.relu.default",
                   "args": {"list": [{"pickle": "cos\\nsystem\\n"}]}, "kwargs": {}}]),
    "not a list",
], ids=["file-op", "eval", "os-system", "dangling-ref", "module-call", "unknown-literal", "not-a-list"])
def test_parse_rejects_anything_else(bad):
    with pytest.raises(GraphError):
        parse_graph(bad)


def test_loading_never_unpickles_code(tmp_path):
    """Weights are read with weights_only=True: a pickle that would run code is refused."""
    from autograder.graders.graph_model import load_model

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"w": Evil()}, tmp_path / "M.weights.pt")
    (tmp_path / "M.graph.json").write_text(json.dumps({"train": _graph(), "eval": _graph(), "static_batch": None}))
    with pytest.raises(GraphError):
        load_model(tmp_path / "M.graph.json", tmp_path / "M.weights.pt")
