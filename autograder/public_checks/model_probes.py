"""What the model checks measure of a model: its layers in forward order, its used parameters, the
shape of its output, and how its BatchNorms behave. The hidden graders measure a graph that the
sandbox exported; a notebook's check cell measures the live model with the functions here. Both hand
their measurements to the same judge (judge.py), so they give the same verdict and the same message.
"""
import torch
from torch.overrides import TorchFunctionMode

from autograder.public_checks.judge import (SHAPE_SIZES, Layer, forward_error, running_stats_count_problem,  # inline: drop
                                            running_stats_eval_problem, running_stats_update_problem,
                                            shape_problem)

LAYER_KINDS = {"conv1d": "conv", "conv2d": "conv", "linear": "linear", "batch_norm": "bn", "max_pool2d": "pool",
               "max_pool2d_with_indices": "pool", "avg_pool2d": "pool", "adaptive_avg_pool2d": "pool",
               "adaptive_max_pool2d": "pool"}
"""torch function name -> layer kind; the same ops the grading reads off the exported graph."""


class LayerTrace(TorchFunctionMode):
    """Records every conv, BN, pooling and linear call of a forward pass and which op produced its input."""

    def __init__(self):
        super().__init__()
        self.layers, self.shapes, self._producer, self._keep, self._count = [], [], {}, [], 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        self._count += 1
        fname = getattr(func, "__name__", "").lstrip("_")
        node = f"{fname}_{self._count}"
        first = args[0] if args else None
        source = self._producer.get(id(first)) if isinstance(first, torch.Tensor) else None
        kind = LAYER_KINDS.get(fname)
        if kind in ("conv", "linear"):
            weight = args[1] if len(args) > 1 else kwargs.get("weight")
            if isinstance(weight, torch.nn.Parameter) and weight.dim() >= 2:
                self.layers.append(Layer(kind, node, source, out=weight.shape[0], inp=weight.shape[1]))
        elif kind == "bn":
            stat = next((t for t in list(args[1:5]) + [kwargs.get("running_mean"), kwargs.get("weight")]
                         if isinstance(t, torch.Tensor)), None)
            self.layers.append(Layer("bn", node, source, out=stat.shape[0] if stat is not None else 0))
        elif kind == "pool":
            self.layers.append(Layer("pool", node, source))
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(t, torch.Tensor):
                self._producer[id(t)] = node
                self._keep.append(t)  # keeps ids unique for the whole pass
        if kind is not None:
            shown = out[0] if isinstance(out, (tuple, list)) else out
            self.shapes.append((kind, tuple(shown.shape[1:]) if isinstance(shown, torch.Tensor) else None))
        return out


TRACE_BATCH, FALLBACK_BATCH = 4, 64
"""The grader exports a graph at batch 4 (any batch), or at batch 64 when the forward only works for
some batch sizes (a view(-1, ...) that mixes images); the trace does the same."""


def trace_layers(model, batch=TRACE_BATCH, tracer=None):
    """(layers in forward order, (kind, shape after it) per layer) of one train-mode forward pass. A
    tracer passed in keeps the shapes up to the layer where a failing forward stopped."""
    model.train()
    tracer = tracer if tracer is not None else LayerTrace()
    with torch.no_grad(), tracer:
        model(torch.randn(batch, 3, 32, 32))
    return tracer.layers, tracer.shapes


def used_parameter_count(model, batch=TRACE_BATCH):
    """Parameters that reach the output: one that forward never uses (or whose result it throws away)
    gets no gradient and does not count."""
    model.train()
    model.zero_grad(set_to_none=True)
    model(torch.randn(batch, 3, 32, 32)).float().sum().backward()
    count = sum(p.numel() for p in model.parameters() if p.grad is not None)
    model.zero_grad(set_to_none=True)
    return count


def shapes_problem(model, name):
    """The output must be (N, 10) for each batch size, in train and in eval mode."""
    train_sizes, eval_sizes = SHAPE_SIZES[name]
    torch.manual_seed(0)
    for training, sizes in ((True, train_sizes), (False, eval_sizes)):
        model.train(training)
        for n in sizes:
            try:
                with torch.no_grad():
                    shape = tuple(model(torch.randn(n, 3, 32, 32)).shape)
            except Exception as exc:
                return forward_error(name, n, training, f"{type(exc).__name__}: {exc}")
            found = shape_problem(name, n, training, shape)
            if found:
                return found
    return None


def running_stats_problem(model):
    """Five BNs whose running statistics train mode updates and eval mode uses."""
    stats = [n for n, _ in model.named_buffers() if n.endswith("running_mean")]
    found = running_stats_count_problem(len(stats))
    if found:
        return found
    before = {n: b.clone() for n, b in model.named_buffers() if n in stats}
    torch.manual_seed(0)
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 3, 32, 32))
    unchanged = [n for n, b in model.named_buffers() if n in stats and torch.equal(before[n], b)]
    found = running_stats_update_problem(len(unchanged))
    if found:
        return found
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
    return running_stats_eval_problem(not torch.allclose(first, second))
