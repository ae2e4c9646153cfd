"""The kit's one data setting: CIFAR10_ROOT (or --data-root) names where CIFAR-10 lives.

Two layouts are accepted:
  * torchvision's root, the folder that holds ``cifar-10-batches-py/``;
  * an image-folder tree ``train/<class>/*`` and ``test/<class>/*``.
Without a setting the data goes to a cache folder and is downloaded with torchvision.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import torch

from autograder.files import write_atomic

ENV_VAR = "CIFAR10_ROOT"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
MEAN = STD = (0.5, 0.5, 0.5)


class DataNotFound(RuntimeError):
    """CIFAR-10 is neither at the configured root nor downloadable."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cifar-exercise-kit"


def resolve_root(data_root: str | os.PathLike | None = None) -> Path:
    """--data-root wins over CIFAR10_ROOT, which wins over the cache folder."""
    chosen = data_root or os.environ.get(ENV_VAR)
    return Path(chosen).expanduser().resolve() if chosen else cache_dir() / "data"


SUBSETS_FOLDER = "grader-subsets"
"""A data root may hold only the grader's decoded subsets (a Gradescope bundle ships them, not CIFAR-10)."""


def subset_file(root: Path, split: str, per_class: int, seed: int) -> Path:
    return root / SUBSETS_FOLDER / f"{split}-{per_class}-{seed}.pt"


def layout(root: Path) -> str | None:
    """'imagefolder', 'torchvision', 'subsets' or None when no layout is there."""
    if (root / SUBSETS_FOLDER).is_dir():
        return "subsets"
    if (root / "train").is_dir() and (root / "test").is_dir():
        return "imagefolder"
    if (root / "cifar-10-batches-py").is_dir():
        return "torchvision"
    return None


def _missing(root: Path, why: str) -> DataNotFound:
    return DataNotFound(
        f"CIFAR-10 not found at {root} ({why}). Set {ENV_VAR} (or pass --data-root) to a folder holding "
        "either cifar-10-batches-py/ or train/<class>/ and test/<class>/, or connect to the network so "
        "torchvision can download it."
    )


def ensure_available(root: Path) -> str:
    """Return the layout at root, downloading with torchvision when nothing is there yet."""
    found = layout(root)
    if found:
        return found
    if root.exists() and any(root.iterdir()) and os.environ.get(ENV_VAR):
        raise _missing(root, "the folder exists but holds neither layout")
    import torchvision

    try:
        torchvision.datasets.CIFAR10(str(root), train=True, download=True)
    except Exception as exc:  # offline: URLError, socket errors, ...
        raise _missing(root, f"download failed: {type(exc).__name__}") from None
    return "torchvision"


def dataset(root: Path, train: bool, transform=None):
    """A torchvision dataset with CIFAR-10's own label numbers 0..9."""
    import torchvision

    kind = ensure_available(root)
    if kind == "imagefolder":
        ds = torchvision.datasets.ImageFolder(str(root / ("train" if train else "test")), transform=transform)
        if tuple(ds.classes) != CLASSES:
            raise _missing(root, f"class folders are {ds.classes}, expected {list(CLASSES)}")
        return ds
    return torchvision.datasets.CIFAR10(str(root), train=train, download=False, transform=transform)


def stratified_indices(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """per_class indices of every class, drawn by a seeded generator, in a seeded order."""
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in range(len(CLASSES))]
    for c, idx in enumerate(picked):
        assert len(idx) == per_class, f"class {CLASSES[c]} has only {len(idx)} images, {per_class} asked"
    return rng.permutation(np.concatenate(picked))


def _labels(ds) -> np.ndarray:
    return np.asarray(ds.targets, dtype=np.int64)


def _images(ds, indices: np.ndarray) -> np.ndarray:
    """uint8 (N, 32, 32, 3) for the given indices."""
    if hasattr(ds, "data"):  # torchvision.datasets.CIFAR10 keeps every image in memory
        return ds.data[indices]
    from PIL import Image

    return np.stack([np.asarray(Image.open(ds.samples[i][0]).convert("RGB")) for i in indices])


def load_subset(root: Path, train: bool, per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A stratified subset as (uint8 images (N, 3, 32, 32), int64 labels (N,)), cached on disk.

    A decoded subset is memory-mapped, not read: only the images a caller indexes become resident, and
    they stop counting when the tensors are dropped (a VGG11 run reads 3,200 of the 40,000)."""
    split = "train" if train else "test"
    root = Path(root)
    if layout(root) == "subsets":
        shipped = subset_file(root, split, per_class, seed)
        if not shipped.is_file():
            raise _missing(root, f"{shipped.name} is not among the shipped subsets")
        blob = torch.load(shipped, weights_only=True, mmap=True)
        return blob["images"], blob["labels"]
    key = hashlib.sha256(f"{root}|{split}|{per_class}|{seed}".encode()).hexdigest()[:16]
    cached = cache_dir() / "subsets" / f"{split}-{per_class}-{seed}-{key}.pt"
    if cached.exists():
        blob = torch.load(cached, weights_only=True, mmap=True)
        return blob["images"], blob["labels"]
    ds = dataset(root, train)
    labels = _labels(ds)
    idx = stratified_indices(labels, per_class, seed)
    images = torch.from_numpy(_images(ds, idx)).permute(0, 3, 1, 2).contiguous()  # (N, 3, 32, 32)
    picked = torch.from_numpy(labels[idx])
    write_atomic(cached, lambda f: torch.save({"images": images, "labels": picked}, f))
    return images, picked


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> float (N, 3, H, W) in [-1, 1], as the tutorial's Normalize(0.5, 0.5)."""
    return images.float().div_(255.0).sub_(0.5).div_(0.5)
