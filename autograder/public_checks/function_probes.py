"""02_gpu's functions called on probe data that proves, on a CPU, whether they move tensors to the device.

Each batch is handed over twice: the true tensors and a scrambled payload (inputs negated, labels
shifted by one class). A TrackedTensor computes with the payload and gives its true value only through
`.to(...)`, so a function that forgets to move the inputs or the labels computes on the scrambled data.
The reference replays all four cases (both moved, inputs only, labels only, neither) and the judge says
which one a function's numbers match. The same code runs in the grader's sandbox and in the notebook's
check cell, always on the CPU, so a GPU runtime and a CPU runtime get the same verdict.
"""
import torch
import torch.nn.functional as F

PROBE_CLASSES = 4
PROBE_BATCH = 8
EVAL_BATCHES, EVAL_BATCH = 8, 250
"""evaluate's probe: 2,000 images whose labels follow the probe model up to a noise drawn with the seed,
so its accuracy can be anywhere from about 40 to 95 % in steps of 0.05: no constant can guess it."""
TRAIN_LR = 0.5
FIT_EPOCHS = 2
FIT_LR, FIT_MOMENTUM = 0.001, 0.9  # fixed by the notebook's fit()
CASES = {(True, True): "both", (False, True): "inputs", (True, False): "labels", (False, False): "neither"}
"""(inputs moved, labels moved) -> the name of that case in the feedback."""


# ---------------------------------------------------------------- probe data and its reference answers

def _batches(gen, count):
    xs = [torch.randn(PROBE_BATCH, 3, 4, 4, generator=gen) for _ in range(count)]  # (8, 3, 4, 4) each
    ys = [torch.randint(0, PROBE_CLASSES, (PROBE_BATCH,), generator=gen) for _ in range(count)]  # (8,)
    return xs, ys


def _taught_batches(gen, w, b):
    """Images labelled by the model (w, b) plus logit noise of a scale drawn with the seed."""
    noise = 0.3 + 2.7 * torch.rand((), generator=gen)
    xs = [torch.randn(EVAL_BATCH, 3, 4, 4, generator=gen) for _ in range(EVAL_BATCHES)]  # (250, 3, 4, 4) each
    ys = [(F.linear(x.flatten(1), w, b) + noise * torch.randn(EVAL_BATCH, PROBE_CLASSES, generator=gen)).argmax(1)
          for x in xs]  # (250,) each
    return xs, ys


def _scrambled(xs, ys):
    return [-x for x in xs], [(y + 1) % PROBE_CLASSES for y in ys]


def _linear(gen):
    return torch.randn(PROBE_CLASSES, 48, generator=gen) * 0.2, torch.randn(PROBE_CLASSES, generator=gen) * 0.1


def make_inputs(seed=0):
    """Every tensor the probes use, deterministic for a seed."""
    gen = torch.Generator().manual_seed(seed)
    p = {"train_lr": torch.tensor(TRAIN_LR), "fit_epochs": torch.tensor(FIT_EPOCHS)}
    p["train_x"], p["train_y"] = _batches(gen, 5)
    p["train_x_scrambled"], p["train_y_scrambled"] = _scrambled(p["train_x"], p["train_y"])
    p["train_w"], p["train_b"] = _linear(gen)
    for _ in range(100):  # evaluation data whose four cases give four different accuracies
        p["eval_w"], p["eval_b"] = _linear(gen)
        p["eval_x"], p["eval_y"] = _taught_batches(gen, p["eval_w"], p["eval_b"])
        p["eval_x_scrambled"], p["eval_y_scrambled"] = _scrambled(p["eval_x"], p["eval_y"])
        if len({round(v, 6) for v in evaluate_cases(p).values()}) == 4:
            break
    else:
        raise AssertionError("no probe seed separates the four evaluate cases")
    p["fit_train_x"], p["fit_train_y"] = _batches(gen, 3)
    p["fit_test_x"], p["fit_test_y"] = _batches(gen, 2)
    p["fit_w"], p["fit_b"] = _linear(gen)
    p["fit_wrong_w"], p["fit_wrong_b"] = _linear(gen)
    return p


def _pick(p, prefix, inputs_moved, labels_moved):
    xs = p[prefix + ("x" if inputs_moved else "x_scrambled")]
    ys = p[prefix + ("y" if labels_moved else "y_scrambled")]
    return list(zip(xs, ys))


def _train_epoch(w, b, batches, lr, momentum=0.0, state=None):
    """SGD over batches on a flatten+linear model; returns the mean loss. Updates w, b in place."""
    losses = []
    for x, y in batches:
        w.grad = b.grad = None
        loss = F.cross_entropy(F.linear(x.flatten(1), w, b), y)  # (8, 48) @ (48, 4) -> (8, 4)
        loss.backward()
        with torch.no_grad():
            for t in (w, b):
                step = t.grad
                if momentum:
                    buf = state.get(id(t))
                    step = state[id(t)] = t.grad.clone() if buf is None else buf.mul_(momentum).add_(t.grad)
                t -= lr * step
        losses.append(loss.item())
    return sum(losses) / len(losses)


def train_cases(p):
    """Case name -> (weight, bias, mean loss) after one epoch of train_one_epoch."""
    out = {}
    for (inp, lab), case in CASES.items():
        w = p["train_w"].clone().requires_grad_()
        b = p["train_b"].clone().requires_grad_()
        loss = _train_epoch(w, b, _pick(p, "train_", inp, lab), TRAIN_LR)
        out[case] = (w.detach(), b.detach(), loss)
    return out


@torch.no_grad()
def _accuracy(w, b, batches):
    correct = sum((F.linear(x.flatten(1), w, b).argmax(1) == y).sum().item() for x, y in batches)
    return 100.0 * correct / sum(len(y) for _, y in batches)


def evaluate_cases(p):
    """Case name -> the accuracy in percent that evaluate should return."""
    return {case: _accuracy(p["eval_w"], p["eval_b"], _pick(p, "eval_", inp, lab)) for (inp, lab), case in CASES.items()}


def fit_cases(p):
    """'moved' / 'not_moved' -> the history fit should return, with the notebook's optimizer."""
    out = {}
    for case, (w0, b0) in {"moved": (p["fit_w"], p["fit_b"]), "not_moved": (p["fit_wrong_w"], p["fit_wrong_b"])}.items():
        w, b, state, history = w0.clone().requires_grad_(), b0.clone().requires_grad_(), {}, []
        train = list(zip(p["fit_train_x"], p["fit_train_y"]))
        test = list(zip(p["fit_test_x"], p["fit_test_y"]))
        for _ in range(FIT_EPOCHS):
            loss = _train_epoch(w, b, train, FIT_LR, FIT_MOMENTUM, state)
            history.append({"loss": loss, "accuracy": _accuracy(w.detach(), b.detach(), test)})
        out[case] = history
    return out


# ---------------------------------------------------------------- calling the student's function

class TrackedTensor(torch.Tensor):
    """Holds a scrambled payload; .to(...) hands back the true tensor. Without .to, ops see the payload."""

    @staticmethod
    def __new__(cls, payload, true):
        t = payload.as_subclass(cls)
        t._true = true
        return t

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.to and args and isinstance(args[0], cls):
            return args[0]._true.to(*args[1:], **kwargs)
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **kwargs)


class ProbeLoader:
    """A DataLoader look-alike over fixed batches (len, iteration, .dataset, .batch_size)."""

    def __init__(self, batches):
        self._batches = batches
        self.batch_size = len(batches[0][1])
        self.dataset = range(sum(len(y) for _, y in batches))

    def __iter__(self):
        return iter(list(self._batches))

    def __len__(self):
        return len(self._batches)


def _probe_net(weight, bias):
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(weight.shape[1], weight.shape[0]))
    with torch.no_grad():
        net[1].weight.copy_(weight)
        net[1].bias.copy_(bias)
    return net


class MovableProbeNet(torch.nn.Sequential):
    """Starts with wrong weights; the first .to(...) puts the right ones in place."""

    def to(self, *args, **kwargs):
        if self._right is not None:
            with torch.no_grad():
                self[1].weight.copy_(self._right[0])
                self[1].bias.copy_(self._right[1])
            self._right = None
        return super().to(*args, **kwargs)


def _movable_net(wrong, right):
    net = MovableProbeNet(torch.nn.Flatten(), torch.nn.Linear(wrong[0].shape[1], wrong[0].shape[0]))
    with torch.no_grad():
        net[1].weight.copy_(wrong[0])
        net[1].bias.copy_(wrong[1])
    net._right = right
    return net


def _tracked_batches(p, prefix):
    return [(TrackedTensor(xs, x), TrackedTensor(ys, y)) for x, xs, y, ys in
            zip(p[prefix + "x"], p[prefix + "x_scrambled"], p[prefix + "y"], p[prefix + "y_scrambled"])]


def call_probe(name, fn, p, saved):
    """What fn returns on the probe data (device: the CPU); tensors worth keeping go into saved."""
    cpu = torch.device("cpu")
    if name == "get_device":
        real = torch.cuda.is_available
        answers = {}
        for available in (False, True):
            torch.cuda.is_available = (lambda a=available: a)
            try:
                answers[str(available)] = fn()
            except Exception as exc:
                answers[str(available)] = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                torch.cuda.is_available = real
        return answers
    if name == "train_one_epoch":
        torch.manual_seed(0)
        net = _probe_net(p["train_w"], p["train_b"])
        opt = torch.optim.SGD(net.parameters(), lr=float(p["train_lr"]))
        loss = fn(net, ProbeLoader(_tracked_batches(p, "train_")), torch.nn.CrossEntropyLoss(), opt, cpu)
        saved["train_one_epoch.weight"] = net[1].weight.detach().clone()
        saved["train_one_epoch.bias"] = net[1].bias.detach().clone()
        return loss
    if name == "evaluate":
        return fn(_probe_net(p["eval_w"], p["eval_b"]), ProbeLoader(_tracked_batches(p, "eval_")), cpu)
    if name == "fit":
        torch.manual_seed(0)
        net = _movable_net((p["fit_wrong_w"], p["fit_wrong_b"]), (p["fit_w"], p["fit_b"]))
        train = ProbeLoader(list(zip(p["fit_train_x"], p["fit_train_y"])))
        test = ProbeLoader(list(zip(p["fit_test_x"], p["fit_test_y"])))
        return fn(net, train, test, cpu, int(p["fit_epochs"]))
    raise ValueError(f"no probe for {name}")


# ---------------------------------------------------------------- judging what came back

class Device(str):
    """A torch.device that a function returned (by its real type), as its text."""


class Unknown(str):
    """A returned value of a type the checks do not take, as its type's name."""


def plain(value, depth=0):
    """Plain data judged by its real type, never by the module and name it claims: float for numbers
    and one-element tensors, Device, list, dict, else Unknown."""
    kind = type(value)
    if depth > 4:
        return Unknown("深すぎる入れ子")
    if value is None or kind in (bool, str):
        return value
    if kind in (int, float):
        return float(value)
    if kind.__module__ == "numpy" and getattr(value, "shape", None) == () and hasattr(value, "item"):
        return plain(value.item(), depth + 1)
    if kind is torch.device:
        return Device(str(value))
    if kind is torch.Tensor:
        return float(value.item()) if value.numel() == 1 and not value.is_complex() else Unknown(f"テンソル {tuple(value.shape)}")
    if kind in (list, tuple):
        return [plain(v, depth + 1) for v in list(value)[:50]]
    if kind is dict:
        return {(k[:40] if type(k) is str else Unknown(type(k).__name__)): plain(v, depth + 1) for k, v in list(value.items())[:50]}
    return Unknown(kind.__name__)
