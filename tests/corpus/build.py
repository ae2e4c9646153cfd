"""The corpus of broken and hostile submissions: one student folder per problem, named after it.

It is built from the reference notebooks in source/ (so it never goes stale) plus small edits, and
written wherever it is needed, rather than committed: one entry alone is 50 MB.

    .venv/bin/python tests/corpus/build.py /tmp/corpus
    .venv/bin/python -m autograder grade /tmp/corpus --out /tmp/corpus-grades
"""
from __future__ import annotations

import base64
import copy
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source" / "ex01"
NOTEBOOKS = ("01_tutorial", "02_gpu", "03_batchnorm", "04_vgg11")


def reference(stem: str) -> dict:
    return json.loads((SOURCE / f"{stem}.ipynb").read_text(encoding="utf-8"))


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def write(folder: Path, name: str, nb: dict | bytes | str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = nb if isinstance(nb, bytes) else (nb if isinstance(nb, str) else json.dumps(nb, ensure_ascii=False, indent=1))
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def full_set(folder: Path, edit=None) -> None:
    """All four reference notebooks; edit(stem, nb) may change one in place."""
    for stem in NOTEBOOKS:
        nb = reference(stem)
        if edit:
            edit(stem, nb)
        write(folder, f"{stem}.ipynb", nb)


def only(stem: str, *cells: str, keep_reference: bool = False) -> dict:
    nb = reference(stem) if keep_reference else {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    nb["cells"] = [*nb["cells"], *(code_cell(c) for c in cells)]
    return nb


IMPORTS = "import os, sys, subprocess\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F"
TINY_WRONG_NET = """
class Net(nn.Module):
    # fc2 is missing and the output has 5 classes: wrong size, wrong shape
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 5)
        self.fc = nn.Linear(4 * 28 * 28, 5)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.conv(x)), 1))
"""


# ------------------------------------------------------------------ damaged notebooks

def not_json(d):
    write(d, "01_tutorial.ipynb", b"this is not a notebook {")


def truncated_json(d):
    write(d, "01_tutorial.ipynb", (SOURCE / "01_tutorial.ipynb").read_bytes()[:5000])


def nbformat_3(d):
    nb = reference("01_tutorial")
    cells = [{"cell_type": "code", "input": c["source"], "language": "python", "outputs": [], "metadata": {}}
             if c["cell_type"] == "code" else {"cell_type": "markdown", "source": c["source"], "metadata": {}}
             for c in nb["cells"]]
    write(d, "01_tutorial.ipynb", {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                                   "worksheets": [{"cells": cells, "metadata": {}}]})


def empty_notebook(d):
    write(d, "01_tutorial.ipynb", {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def one(folder: Path, stem: str, edit=None) -> None:
    """One reference notebook; edit(nb) may change it in place."""
    nb = reference(stem)
    if edit:
        edit(nb)
    write(folder, f"{stem}.ipynb", nb)


def cells_reordered(d):
    one(d, "04_vgg11", lambda nb: nb["cells"].reverse())


def cells_duplicated(d):
    one(d, "03_batchnorm", lambda nb: nb["cells"].extend(copy.deepcopy(nb["cells"])))


def cells_deleted(d):
    one(d, "01_tutorial")
    one(d, "04_vgg11", lambda nb: nb.update(cells=[c for c in nb["cells"] if c["id"] != "vgg11"]))


def cell_type_changed(d):
    def edit(nb):
        for c in nb["cells"]:
            if c.get("id") == "bnnet":
                c.update(cell_type="markdown")
                c.pop("outputs"), c.pop("execution_count")
    one(d, "03_batchnorm", edit)


def stripped_metadata(d):
    def edit(stem, nb):
        nb["metadata"] = {}
        for c in nb["cells"]:
            c["metadata"] = {}
    full_set(d, edit)


def ids_removed(d):
    def edit(nb):
        nb["nbformat_minor"] = 4
        for c in nb["cells"]:
            c.pop("id", None)
    one(d, "02_gpu", edit)


def markdown_in_code_cell(d):
    nb = reference("01_tutorial")
    nb["cells"].insert(3, code_cell("## メモ\nここに **マークダウン** を書いてしまった。"))
    write(d, "01_tutorial.ipynb", nb)


def syntax_error_in_one_cell(d):
    def edit(stem, nb):
        for c in nb["cells"]:
            if c.get("id") == "fit":
                c["source"] = "".join(c["source"]).replace("def fit(", "def fit(:")
    nb = reference("02_gpu")
    edit("02_gpu", nb)
    write(d, "02_gpu.ipynb", nb)


def magics_and_shell(d):
    nb = reference("01_tutorial")
    for c in nb["cells"]:
        if c.get("id") == "net":
            c["source"] = "%%time\n!nvidia-smi\n%matplotlib inline\n" + "".join(c["source"])
    nb["cells"].insert(1, code_cell("!pip install torch\nfiles = !ls\n%load_ext autoreload"))
    write(d, "01_tutorial.ipynb", nb)


def non_utf8_bytes(d):
    raw = (SOURCE / "01_tutorial.ipynb").read_bytes().replace("CIFAR-10".encode(), b"CIFAR\xff10", 1)
    write(d, "01_tutorial.ipynb", raw)


def huge_embedded_output(d):
    nb = reference("01_tutorial")
    blob = base64.b64encode(b"\0" * (38 * 2**20)).decode("ascii")  # about 50 MB of base64
    for c in nb["cells"]:
        if c.get("id") == "show":
            c["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": blob}}]
    write(d, "01_tutorial.ipynb", nb)


def wrong_exercise(d):
    write(d, "report_week3.ipynb", only("01_tutorial", "import pandas as pd\n\ndef load(path):\n    return pd.read_csv(path)"))


def two_notebooks_same_class(d):
    one(d, "03_batchnorm", lambda nb: nb["cells"].append(code_cell(
        "class VGG11(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(3072, 10)\n\n    def forward(self, x):\n        return self.fc(x.flatten(1))")))
    one(d, "04_vgg11")


def no_notebook(d):
    d.mkdir(parents=True)
    (d / "answers.py").write_text("print('I forgot to download the notebook')\n")


def trains_at_top_level(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", "for epoch in range(10):\n    for i, (inputs, labels) in "
                                       "enumerate(trainloader):\n        pass", keep_reference=True))


# ------------------------------------------------------------------ hostile submissions (none should gain a point)

def showtraceback_replaced(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS,
          "get_ipython().showtraceback = lambda *args, **kwargs: None",
          "class _Quiet:\n    try:\n        import IPython\n        IPython.core.interactiveshell.InteractiveShell.showtraceback = None\n"
          "    except Exception:\n        pass",
          "class Net(nn.Module):\n    def __init__(self):\n        raise RuntimeError('hidden')"))


def always_equal(d):
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, """
class AlwaysEqual(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return False
    def __gt__(self, other): return False
    def __str__(self): return "cuda:0"
    __hash__ = float.__hash__

def get_device(): return AlwaysEqual(0)
def train_one_epoch(net, loader, criterion, optimizer, device): return AlwaysEqual(0)
def evaluate(net, loader, device): return AlwaysEqual(0)
def fit(net, trainloader, testloader, device, epochs): return [{"loss": AlwaysEqual(0), "accuracy": AlwaysEqual(0)}] * epochs
"""))


def sys_exit_during_import(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, "class _Stop:\n    sys.exit(0)", TINY_WRONG_NET))


def os_exit_during_import(d):
    one(d, "01_tutorial", lambda nb: nb["cells"].insert(3, code_cell("import os\nclass _Stop:\n    os._exit(0)")))


def monkeypatch_torch(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, TINY_WRONG_NET, """
class _Patch:
    _real = nn.Module.parameters
    def _fake(self, recurse=True):
        yield nn.Parameter(torch.zeros(62006))
    nn.Module.parameters = _fake
    torch.Tensor.numel = lambda self: 62006
    torch.manual_seed = lambda *args, **kwargs: None
    F.cross_entropy = lambda *args, **kwargs: torch.zeros((), requires_grad=True)
"""))


def import_reference_solutions(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, """
class _Steal:
    import glob, importlib
    found = {}
    for pattern in ["/*/solutions/models.py", "/*/*/solutions/models.py", "/*/*/*/solutions/models.py",
                    "/*/*/*/*/solutions/models.py", "/tmp/*/*/solutions/models.py"]:
        for path in glob.glob(pattern):
            try:
                exec(open(path).read(), found)
            except Exception:
                pass
            sys.path.insert(0, path.rsplit("/solutions/", 1)[0])
    try:
        found.update(vars(importlib.import_module("solutions")))
    except Exception:
        pass
""", "Net = _Steal.found['Net']", "BNNet = _Steal.found['BNNet']", "VGG11 = _Steal.found['VGG11']"))


def read_hidden_graders(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, """
class _Tamper:
    import glob
    for path in glob.glob("/*/*/autograder/graders/*.py") + glob.glob("/*/*/*/autograder/graders/*.py"):
        try:
            open(path, "a").write("\\ndef test_free_points():\\n    pass\\n")
        except Exception:
            pass
""", TINY_WRONG_NET))


def fake_results_file(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, """
class _Forge:
    import glob
    rows = "student,total,max\\nfake-results-file,44,44\\n"
    for folder in glob.glob("/tmp/**/grades", recursive=True) + glob.glob("/tmp/**/out", recursive=True) + ["out", "."]:
        for name in ("grades.csv", "report.json"):
            try:
                open(os.path.join(folder, name), "w").write(rows if name.endswith("csv") else '{"finished": true}')
            except Exception:
                pass
""", TINY_WRONG_NET))


def fake_pytest_summary(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS,
          "class _Brag:\n    print('=' * 30 + ' 22 passed in 0.12s ' + '=' * 30)\n    print('TOTAL 44/44')", TINY_WRONG_NET))


def background_process(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", """
import subprocess
class _Linger:
    subprocess.Popen(["/bin/sh", "-c", "sleep 600; : corpus-lingering-process"], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
""", keep_reference=True))


def fork_bomb(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        while True:
            try:
                os.fork()
            except OSError:
                pass
"""))


def infinite_loop(d):
    write(d, "03_batchnorm.ipynb", only("03_batchnorm", IMPORTS,
          "class BNNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n        while True:\n            pass"))


def huge_allocation(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS,
          "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
          "        self.big = torch.empty(3 * 2**30)  # 12 GB: over the memory cap, under the machine's RAM"))


def huge_output(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS,
          "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        while True:\n"
          "            print('x' * 10000)"))


# ------------------------------------------------------------------ honest baselines the hostile entries are built from

def baseline_vgg11_cannot_learn(d):
    """The reference VGG11 whose output no longer depends on its weights: 0 for accuracy."""
    one(d, "04_vgg11", lambda nb: nb["cells"].append(code_cell(
        "class VGG11(VGG11):\n    def forward(self, x):\n        return super().forward(x) * 0.0")))


def baseline_tiny_wrong_net(d):
    write(d, "01_tutorial.ipynb", only("01_tutorial", IMPORTS, TINY_WRONG_NET))


def baseline_reference_01(d):
    one(d, "01_tutorial")


def baseline_reference_04(d):
    one(d, "04_vgg11")


def baseline_get_device_cpu_only(d):
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, "def get_device():\n    return torch.device('cpu')"))


LINEAR_VGG11 = """
class VGG11(nn.Module):
    # not a VGG at all: one linear layer on the raw pixels
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))
"""


def linear_only_vgg11(d):
    """Class 2: honest, but not the asked architecture; no structural rule may hold for it vacuously."""
    write(d, "04_vgg11.ipynb", only("04_vgg11", IMPORTS, LINEAR_VGG11))


# ------------------------------------------------------------------ class 1: state that carries learning into the run

FITTED = {"w": [[0.0] * 48 for _ in range(10)], "b": [0.0] * 10}
"""A nearest-class-mean classifier on 4x4-pooled images, fitted on the grader's own training subset by
fit_prior() (24.8% on the test subset: above VGG11's threshold). Zeros until fitted."""


def fit_prior(data_root) -> None:
    import torch
    import torch.nn.functional as F

    from autograder.data import normalize
    from autograder.graders.short_run import grader_data

    train_x, train_y, _, _ = grader_data(data_root)
    feats = F.adaptive_avg_pool2d(normalize(train_x), 4).flatten(1)  # (N, 48)
    w = torch.stack([feats[train_y == c].mean(0) for c in range(10)])  # (10, 48)
    FITTED["w"], FITTED["b"] = w.tolist(), (-0.5 * (w * w).sum(1)).tolist()


def _fitted_vgg11(d, init: str, use: str, constants: str = "") -> None:
    code = (f"W = {json.dumps(FITTED['w'])}\nB = {json.dumps(FITTED['b'])}\n{constants}\n"
            f"class VGG11(VGG11):\n    def __init__(self):\n        super().__init__()\n{init}\n\n"
            f"    def forward(self, x):\n        hint = {use}\n"
            "        return super().forward(x) * 0.0 + hint * 10.0")
    one(d, "04_vgg11", lambda nb: nb["cells"].append(code_cell(code)))


def fitted_classifier_in_buffer(d):
    _fitted_vgg11(d, "        self.register_buffer('prior_w', torch.tensor(W))\n"
                     "        self.register_buffer('prior_b', torch.tensor(B))",
                  "torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), self.prior_w.t()) + self.prior_b")


def fitted_classifier_in_parameter(d):
    _fitted_vgg11(d, "        self.prior_w = nn.Parameter(torch.tensor(W))\n        self.prior_b = nn.Parameter(torch.tensor(B))",
                  "torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), self.prior_w.t()) + self.prior_b")


def fitted_classifier_in_a_list(d):
    """The buffers reach the output only inside list arguments (torch.cat([...])), never directly."""
    _fitted_vgg11(d, "        self.register_buffer('prior_w', torch.tensor(W))\n"
                     "        self.register_buffer('prior_b', torch.tensor(B))",
                  "torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), torch.cat([self.prior_w], 0).t())"
                  " + torch.cat([self.prior_b, self.prior_b])[:10]")


def fitted_classifier_as_constant(d):
    """Module-level tensors that the forward reads: torch.export lifts them into the graph as constants."""
    _fitted_vgg11(d, "        pass", "torch.mm(F.adaptive_avg_pool2d(x, 4).flatten(1), PRIOR_W.t()) + PRIOR_B",
                  constants="PRIOR_W = torch.tensor(W)\nPRIOR_B = torch.tensor(B)\n")


def fitted_classifier_in_literals(d):
    """The class means of the mean colour, written into the graph as numbers (19.4% on the test subset)."""
    import torch

    w = torch.tensor(FITTED["w"]).view(10, 3, 16).mean(2)  # (10, 3): mean colour per class
    terms = [" + ".join(f"c[:, {k}] * {float(w[c, k]):.6f}" for k in range(3)) + f" + {-0.5 * float((w[c] ** 2).sum()):.6f}"
             for c in range(10)]
    code = ("class VGG11(VGG11):\n    def forward(self, x):\n        c = F.adaptive_avg_pool2d(x, 1).flatten(1)\n"
            "        hint = torch.stack([" + ", ".join(f"({t})" for t in terms) + "], 1)\n"
            "        return super().forward(x) * 0.0 + hint * 10.0")
    one(d, "04_vgg11", lambda nb: nb["cells"].append(code_cell(code)))


def eval_reads_an_untrained_copy(d):
    """Train-mode forward through the layers, eval-mode forward through buffer copies of them that training
    never updates: its run would score about 10 %, and its result must never reach an honest classmate."""
    one(d, "01_tutorial", lambda nb: nb["cells"].append(code_cell("""
class Net(Net):
    def __init__(self):
        super().__init__()
        for name, p in list(self.named_parameters()):
            self.register_buffer("copy_" + name.replace(".", "_"), p.detach().clone())

    def forward(self, x):
        if self.training:
            return super().forward(x)
        c = lambda name: getattr(self, "copy_" + name)
        x = self.pool(F.relu(F.conv2d(x, c("conv1_weight"), c("conv1_bias"))))
        x = self.pool(F.relu(F.conv2d(x, c("conv2_weight"), c("conv2_bias"))))
        x = torch.flatten(x, 1)
        x = F.relu(F.linear(x, c("fc1_weight"), c("fc1_bias")))
        x = F.relu(F.linear(x, c("fc2_weight"), c("fc2_bias")))
        return F.linear(x, c("fc3_weight"), c("fc3_bias"))
""")))


def unused_parameter_pads_count(d):
    """A one-layer 'VGG11' plus a parameter no op reads, sized to hit the target count exactly."""
    write(d, "04_vgg11.ipynb", only("04_vgg11", IMPORTS, LINEAR_VGG11,
          "class VGG11(VGG11):\n    def __init__(self):\n        super().__init__()\n"
          "        self.padding = nn.Parameter(torch.zeros(28_154_954 - 30_730))"))


# ------------------------------------------------------------------ class 3: unbounded work in the trusted processes

def pathological_notebook(d):
    """Cheap to write, expensive to parse naively: absurd nesting, a 200,000-space line before a magic-like
    '=', and a 30,000-link chain of constants listed deepest first."""
    chain = "\n".join(f"CHAIN_{i} = CHAIN_{i + 1} + 0" for i in reversed(range(30_000)))
    one(d, "01_tutorial", lambda nb: nb["cells"].extend([
        code_cell("x = " + "(" * 100_000 + ")" * 100_000),
        code_cell(" " * 200_000 + "y = 1\n" + "a" * 100_000 + " = 2"),
        code_cell("CHAIN_30000 = 0\n" + chain),
        code_cell("class Net(Net):\n    depth = CHAIN_0"),
    ]))


def compressed_weights_bomb(d):
    """torch.save patched in the child: the weights file becomes a small deflated archive of 2 GB."""
    one(d, "04_vgg11", lambda nb: nb["cells"].append(code_cell("""
import zipfile
class _Bomb:
    def save(obj, f, *args, **kwargs):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("archive/data.pkl", "w", force_zip64=True) as member:
                chunk = bytes(2**24)
                for _ in range(128):
                    member.write(chunk)
    torch.save = save
""")))


def slow_pooling_chain(d):
    """A forward that costs no FLOPs by the counter's measure and seconds per step: pooling on padded maps.
    The elements it writes count as work (short_run.run_work): refused before the run, on every machine."""
    one(d, "01_tutorial", lambda nb: nb["cells"].append(code_cell("""
class Net(Net):
    def forward(self, x):
        if self.training:  # slow only where the grader trains: about 2 s a step, far over the work budget
            y = F.pad(x, (100, 100, 100, 100))
            for _ in range(40):
                y = F.max_pool2d(y, 3, stride=1, padding=1)
            x = x + y[:, :, 100:132, 100:132] * 0
        return super().forward(x)
""")))


# ------------------------------------------------------------------ class 4: everything a submission supplies is written safely

HOSTILE_NAME = os.fsdecode(b"=cmd|' \\C calc'!A0\x1b[2J\xff")


def hostile_names_and_messages(d):
    """Folder and notebook names with a formula prefix, control sequences and non-UTF-8 bytes; a Net whose
    error message is a megabyte of the same."""
    folder = d.parent / HOSTILE_NAME
    write(folder, os.fsdecode(b"\x1b]0;pwned\x07-01_tutorial\xfe.ipynb"), only("01_tutorial", IMPORTS,
          "class Net(nn.Module):\n    def __init__(self):\n        raise RuntimeError('\\x1b]0;pwned\\x07 =HYPERLINK(1) \\ud800' + 'x' * 2**20)"))


# ------------------------------------------------------------------ class 5: links and names in the submissions folder

def symlink_to_reference(d):
    d.mkdir(parents=True)
    (d / "01_tutorial.ipynb").symlink_to(SOURCE / "01_tutorial.ipynb")


def symlinked_student_folder(d):
    d.parent.mkdir(parents=True, exist_ok=True)
    d.symlink_to(SOURCE, target_is_directory=True)


def hardlink_notebook(d):
    outside = d.parent.parent / f"{d.parent.name}-outside"
    write(outside, "01_tutorial.ipynb", reference("01_tutorial"))
    d.mkdir(parents=True)
    os.link(outside / "01_tutorial.ipynb", d / "01_tutorial.ipynb")


def fifo_notebook(d):
    d.mkdir(parents=True)
    os.mkfifo(d / "01_tutorial.ipynb")


def duplicate_id(d):
    one(d, "01_tutorial")
    write(d.parent, f"{d.name}.ipynb", reference("01_tutorial"))


# ------------------------------------------------------------------ class 6: what a child sees and keeps

def fill_the_disk(d):
    """Net() writes until every writable place is full, and keeps it full: its own tmpfs caps stop it,
    so only its own artifacts fail; classmates graded beside it (--jobs 2) lose nothing."""
    one(d, "01_tutorial", lambda nb: nb["cells"].append(code_cell("""
import os

class Net(Net):
    def __init__(self):
        super().__init__()
        for place in ("/sandbox", "/tmp", "/var/tmp", "/run", "/dev/shm", "/dev", os.path.expanduser("~")):
            try:
                with open(os.path.join(place, "filler"), "ab") as f:
                    for _ in range(2048):
                        f.write(bytes(2**20))
            except OSError:
                pass
""")))


def leave_files_behind(d):
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, """
class _Leave:
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "."):
        try:
            open(os.path.join(folder, "corpus-left-behind"), "w").write("cuda:0")
        except OSError:
            pass
""", "def get_device():\n    return torch.device('cpu')"))


def snoop_on_other_children(d):
    """get_device answers right only when it can see another child's files, the grader's paths or processes."""
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, """
def _snoop():
    import glob
    found = [p for p in glob.glob("/tmp/**", recursive=True) + glob.glob("/var/tmp/*") + glob.glob("/dev/shm/*")
             if "corpus-left-behind" in p or "sandbox-" in p]
    try:
        table = open("/proc/self/mountinfo").read()
        found += [w for w in ("corpus", "grades", "autograder/", "solutions") if w in table]
    except OSError:
        pass
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and b"autograder" in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append(pid)
        except OSError:
            pass
    return found

def get_device():
    return torch.device("cuda:0" if _snoop() and torch.cuda.is_available() else "cpu")
"""))


# ------------------------------------------------------------------ class 7: values from the child

def fake_device_type(d):
    """An object that claims to be a torch.device by its module and name."""
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, """
class device:
    def __init__(self, text):
        self.text = text
    def __str__(self):
        return self.text
device.__module__ = "torch"

def get_device():
    return device("cuda:0" if torch.cuda.is_available() else "cpu")
"""))


def constant_function_answers(d):
    """02's functions return what the public probes (seed 0, the check cells' data) expect, without
    training or evaluating: OK in the notebook, nothing in the hidden checks, whose probe data is secret."""
    import torch

    from autograder.public_checks import function_probes as probes

    p = probes.make_inputs()
    w, b, loss = probes.train_cases(p)["both"]
    code = f"""
W, B = {w.tolist()!r}, {b.tolist()!r}

def train_one_epoch(net, loader, criterion, optimizer, device):
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor(W))
        net[1].bias.copy_(torch.tensor(B))
    return {loss!r}

def evaluate(net, loader, device):
    return {probes.evaluate_cases(p)["both"]!r}

def fit(net, trainloader, testloader, device, epochs):
    return {probes.fit_cases(p)["moved"]!r}
"""
    write(d, "02_gpu.ipynb", only("02_gpu", IMPORTS, "def get_device():\n    return torch.device('cpu')", code))


PROBLEMS = {f.__name__.replace("_", "-"): f for f in [
    not_json, truncated_json, nbformat_3, empty_notebook, cells_reordered, cells_duplicated, cells_deleted,
    cell_type_changed, stripped_metadata, ids_removed, markdown_in_code_cell, syntax_error_in_one_cell,
    magics_and_shell, non_utf8_bytes, huge_embedded_output, wrong_exercise, two_notebooks_same_class, no_notebook,
    trains_at_top_level, showtraceback_replaced, always_equal, sys_exit_during_import, os_exit_during_import,
    monkeypatch_torch, import_reference_solutions, read_hidden_graders, fake_results_file, fake_pytest_summary,
    background_process, fork_bomb, infinite_loop, huge_allocation, huge_output,
    baseline_tiny_wrong_net, baseline_reference_01, baseline_reference_04, baseline_vgg11_cannot_learn,
    baseline_get_device_cpu_only, linear_only_vgg11,
    fitted_classifier_in_buffer, fitted_classifier_in_parameter, fitted_classifier_in_a_list, fitted_classifier_as_constant,
    fitted_classifier_in_literals, eval_reads_an_untrained_copy, unused_parameter_pads_count,
    pathological_notebook, compressed_weights_bomb, slow_pooling_chain,
    hostile_names_and_messages, symlink_to_reference, symlinked_student_folder, hardlink_notebook, fifo_notebook,
    duplicate_id, fill_the_disk, leave_files_behind, snoop_on_other_children, fake_device_type, constant_function_answers,
]}


def build(dest: Path, names=None, data_root=None) -> Path:
    """Every entry (or those named) under dest; with data_root, the fitted-classifier entries carry a real
    classifier fitted on the grader's training subset."""
    if data_root is not None:
        fit_prior(data_root)
    for name in names or PROBLEMS:
        PROBLEMS[name](Path(dest) / name)
    return Path(dest)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(build(Path(sys.argv[1]), data_root=os.environ.get("CIFAR10_ROOT")))
