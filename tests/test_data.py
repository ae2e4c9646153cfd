"""The one data setting: both layouts, the right labels, and a clear message when nothing is there."""
import pickle

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

from autograder import cli, data


def _image_folder(root, per_class=2):
    for split in ("train", "test"):
        for label, name in enumerate(data.CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for k in range(per_class):
                Image.fromarray(np.full((32, 32, 3), label * 20 + k, np.uint8)).save(folder / f"{k:04d}.png")


def _torchvision_root(root, per_class=2):
    batches = root / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    labels = [c for c in range(10) for _ in range(per_class)]
    images = np.stack([np.full((3, 32, 32), label * 20, np.uint8) for label in labels]).reshape(len(labels), -1)
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        with open(batches / name, "wb") as f:
            pickle.dump({"data": images, "labels": labels}, f)
    with open(batches / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(data.CLASSES)}, f)


def test_resolve_root_prefers_argument_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "env"))
    assert data.resolve_root(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert data.resolve_root(None) == (tmp_path / "env").resolve()
    monkeypatch.delenv(data.ENV_VAR)
    assert data.resolve_root(None) == data.cache_dir() / "data"


def test_image_folder_layout_gives_cifar_labels(tmp_path):
    _image_folder(tmp_path)
    assert data.layout(tmp_path) == "imagefolder"
    ds = data.dataset(tmp_path, train=False)
    assert [ds.targets.count(c) for c in range(10)] == [2] * 10
    image, label = ds[ds.targets.index(3)]
    assert label == 3 and np.asarray(image)[0, 0, 0] == 60


def test_torchvision_layout_gives_cifar_labels(tmp_path, monkeypatch):
    _torchvision_root(tmp_path)
    # Our files are not the real archive, so torchvision's md5 check is bypassed; the layout is what is tested.
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr(torchvision.datasets.cifar, "check_integrity", lambda *args, **kwargs: True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.layout(tmp_path) == "torchvision"
    ds = data.dataset(tmp_path, train=True)
    assert len(ds) == 5 * 20 and ds.targets[:2] == [0, 0] and ds.targets[-1] == 9
    images, labels = data.load_subset(tmp_path, train=False, per_class=1, seed=0)
    assert images.shape == (10, 3, 32, 32) and images.dtype == torch.uint8
    assert sorted(labels.tolist()) == list(range(10))
    assert all(int(images[i, 0, 0, 0]) == int(labels[i]) * 20 for i in range(10)), "image and label were separated"


def _offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets.CIFAR10, "download", refuse)


def test_missing_dataset_gives_one_clear_message(tmp_path, monkeypatch):
    _offline(monkeypatch)
    with pytest.raises(data.DataNotFound, match=data.ENV_VAR):
        data.ensure_available(tmp_path / "nothing-here")


def test_cli_reports_missing_data_in_one_line(tmp_path, monkeypatch, capsys):
    _offline(monkeypatch)
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    code = cli.main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                     "--data-root", str(tmp_path / "nothing-here")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: CIFAR-10 not found") and "Traceback" not in err


@pytest.mark.realdata
def test_shared_copy_subset_is_stratified(data_root):
    images, labels = data.load_subset(data_root, train=False, per_class=5, seed=3)
    assert images.shape == (50, 3, 32, 32)
    assert torch.bincount(labels, minlength=10).tolist() == [5] * 10


def test_check_refuses_a_file_that_is_not_a_notebook_in_one_line(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a notebook")
    code = cli.main(["check", str(notes), "--data-root", str(tmp_path / "nothing-here")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: not a notebook (.ipynb): {notes}\n"


def test_check_shows_progress_on_stderr_while_it_works(monkeypatch):
    import io
    import time

    from autograder import check
    monkeypatch.setattr(check, "HEARTBEAT_S", 0.05)
    stream = io.StringIO()
    with check.progress("grading 1 notebook(s)", stream):
        time.sleep(0.3)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "grading 1 notebook(s) ..."
    assert len(lines) >= 3 and all(line.startswith("  ... ") and line.endswith(" s") for line in lines[1:])
