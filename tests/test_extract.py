"""Extraction keeps definitions only, finds answers by name, and survives damaged notebooks."""
import json

import nbformat

from autograder.collect import Submission, find_submissions
from autograder.extract import extract
from autograder.extract.pick_answers import exercise_of
from autograder.pipeline import build_job


def notebook(path, *cells, **top):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) if isinstance(c, str) else c for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def snippets(tmp_path, *cells):
    ex = extract(Submission("s", (notebook(tmp_path / "01_tutorial.ipynb", *cells),)))
    return [s.code for s in ex.notebooks[0].snippets], ex


def test_training_loops_downloads_and_calls_are_dropped(tmp_path):
    code, _ = snippets(tmp_path,
                       "import torch\nimport torchvision",
                       "trainset = torchvision.datasets.CIFAR10(root='./data', download=True)",
                       "class Net(torch.nn.Module):\n    pass",
                       "for epoch in range(10):\n    train()",
                       "net = Net()\nnet.to('cpu')",
                       "from google.colab import drive\ndrive.mount('/content/drive')")
    assert code == ["import torch", "import torchvision", "from google.colab import drive",
                    "class Net(torch.nn.Module):\n    pass"]


def test_constants_used_by_definitions_are_kept(tmp_path):
    code, _ = snippets(tmp_path,
                       "import torch\ncfg = {'VGG11': [64, 'M', 128]}\nunused = [1, 2]\nPATH = './x.pth'",
                       "device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')",
                       "def make():\n    return cfg['VGG11'], device",
                       "data = torch.load(PATH)")
    assert "cfg = {'VGG11': [64, 'M', 128]}" in code
    assert any(c.startswith("device = torch.device(") for c in code)
    assert not any(c.startswith(("unused", "PATH", "data")) for c in code)


def test_magics_and_shell_escapes_are_neutralised(tmp_path):
    code, ex = snippets(tmp_path,
                        "!pip install torch\n%matplotlib inline\nimport torch",
                        "%%time\ndef f():\n    return 1",
                        "%%bash\necho hi")
    assert code == ["import torch", "def f():\n    return 1"]
    assert any("%%bash" in n for n in ex.notebooks[0].notes)


def test_a_syntax_error_costs_only_its_cell(tmp_path):
    code, ex = snippets(tmp_path, "def good():\n    return 1", "これはマークダウンです。\n## 見出し", "def bad(:\n    pass")
    assert code == ["def good():\n    return 1"]
    assert sum("文法エラー" in n for n in ex.notebooks[0].notes) == 2


def test_imports_come_first(tmp_path):
    code, _ = snippets(tmp_path, "class Net(nn.Module):\n    pass", "import torch.nn as nn")
    assert code[0] == "import torch.nn as nn"


def test_damaged_files_get_a_reason(tmp_path):
    cases = {"not-json.ipynb": b"{ this is not json", "truncated.ipynb": b'{"cells": [{"cell_type": "co',
             "list.ipynb": b"[1, 2]", "latin1.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": "x = 1"}]}).encode() + b"\xff"}
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
    ex = extract(Submission("s", tuple(sorted(tmp_path / n for n in cases))))
    notes = {nb.name: nb.notes for nb in ex.notebooks}
    assert "壊れています" in notes["not-json.ipynb"][0] and "壊れています" in notes["truncated.ipynb"][0]
    assert "形式ではありません" in notes["list.ipynb"][0]
    assert notes["latin1.ipynb"], "non-UTF-8 bytes should be mentioned"


def test_nbformat3_and_missing_metadata_are_read(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
          "worksheets": [{"cells": [{"cell_type": "code", "input": ["class Net:\n", "    pass"], "language": "python"}]}]}
    (tmp_path / "01_tutorial.ipynb").write_text(json.dumps(v3))
    bare = {"cells": [{"cell_type": "code", "source": "def get_device():\n    return 1"}]}
    (tmp_path / "02_gpu.ipynb").write_text(json.dumps(bare))
    ex = extract(Submission("s", (tmp_path / "01_tutorial.ipynb", tmp_path / "02_gpu.ipynb")))
    assert set(ex.chosen) == {"Net", "get_device"}


def test_answers_are_found_by_name_and_home_notebook(tmp_path):
    body = "class VGG11:\n    pass"
    paths = (notebook(tmp_path / "03_batchnorm.ipynb", body), notebook(tmp_path / "Copy of 04_vgg11 (2).ipynb", body),
             notebook(tmp_path / "04_vgg11.ipynb", body))
    ex = extract(Submission("s", tuple(sorted(paths))))
    assert ex.notebooks[ex.chosen["VGG11"]].name == "Copy of 04_vgg11 (2).ipynb"
    assert "複数のノートブック" in ex.notes["VGG11"][0]
    job = build_job(ex)
    assert [m["name"] for m in job["modules"]] == ["Copy of 04_vgg11 (2).ipynb"] and job["models"] == {"VGG11": 0}


def test_exercise_names_survive_lms_renaming():
    assert exercise_of("Copy of 04_vgg11 (1).ipynb") == "04_vgg11"
    assert exercise_of("02_gpu のコピー.ipynb") == "02_gpu"
    assert exercise_of("homework.ipynb") is None


def test_submission_layouts(tmp_path):
    notebook(tmp_path / "alice" / "ex01" / "01_tutorial.ipynb", "x = 1")
    notebook(tmp_path / "bob" / "Copy of 04_vgg11.ipynb", "x = 1")
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "notes.txt").write_text("no notebook")
    notebook(tmp_path / "dave.ipynb", "x = 1")
    subs = {s.student: [p.name for p in s.notebooks] for s in find_submissions(tmp_path)}
    assert subs == {"alice": ["01_tutorial.ipynb"], "bob": ["Copy of 04_vgg11.ipynb"], "carol": [],
                    "dave": ["dave.ipynb"]}


def test_a_constant_reading_a_dropped_name_is_dropped_too(tmp_path):
    """Template lines such as `n_images = 256 if FAST else 4096` (FAST read from os.environ, so dropped)
    must not be kept: alone they raise NameError, which the feedback would blame on the student."""
    code, _ = snippets(tmp_path,
                       "import os\nimport torch\nFAST = os.environ.get('KIT_FAST') == '1'",
                       "def time_it(n_images):\n    return n_images, squares, later",
                       "n_images = 256 if FAST else 4096\nsquares = [i * i for i in range(3)]\nlater = n_images * 2",
                       "size = len(squares)")
    assert not any(c.startswith(("FAST", "n_images", "later")) for c in code), code
    assert "squares = [i * i for i in range(3)]" in code, "a comprehension's own variable is not a dropped name"


def test_a_long_chain_of_constants_on_a_dropped_name_is_dropped_whole(tmp_path):
    chain = "\n".join(["c0 = missing_name"] + [f"c{i} = c{i - 1} + 1" for i in range(1, 5000)])
    code, _ = snippets(tmp_path, chain, "def f():\n    return c4999")
    assert code == ["def f():\n    return c4999"]


def test_an_erroring_cell_is_named_by_what_a_student_sees_in_colab():
    from autograder.graders.context import cell_label
    cells = [(1, "import torch"), (2, "\n  # TODO: Net を作る\nclass Net:\n    pass"), (3, "")]
    assert cell_label(cells, 2) == "「# TODO: Net を作る」で始まるセル (2 番目のコードセル) "
    assert cell_label(cells, 3) == "3 番目のコードセル "
