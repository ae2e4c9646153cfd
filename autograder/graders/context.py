"""What the hidden checks see of one submission: validated artifacts, and why something is missing."""
from __future__ import annotations

import json
import stat
from dataclasses import dataclass, field
from pathlib import Path

import torch

from autograder.extract import Extraction
from autograder.faults import MEMORY_MARKERS, GraderFault, machine_fault
from autograder.graders.accuracy_cache import AccuracyCache
from autograder.graders.graph_model import GraphError, GraphModel, forward_flops, load_model, load_tensors
from autograder.graders.results import CheckFailed
from autograder.graders.short_run import cached_short_run
from autograder.public_checks.function_probes import plain
from autograder.sandbox import ChildRun
from autograder.settings import Budget
from autograder.text import clean_text

MAX_FORWARD_FLOPS = 2_000_000_000
"""Per-image forward FLOPs above which the grader refuses to train a model (VGG11 needs about 0.6 G)."""

_MEMORY_MARKERS = ("MemoryError", *MEMORY_MARKERS)


def artifact(out_dir: Path | None, filename: str, max_mb: int = 1024) -> Path | None:
    """out_dir/filename if it is a regular file (not a link, pipe or device) of sane size, else None."""
    if out_dir is None or out_dir.is_symlink() or not out_dir.is_dir():
        return None
    path = out_dir / filename
    try:
        st = path.lstat()
    except OSError:
        return None
    return path if stat.S_ISREG(st.st_mode) and st.st_size <= max_mb * 2**20 else None


def cell_label(cells: list[tuple[int, str]], index: object) -> str:
    """A code cell as a student finds it in Colab: by its first line, and its position among code cells."""
    source = next((text for i, text in cells if i == index), "")
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    where = f"{index} 番目のコードセル" if isinstance(index, int) else "コードセル"
    return f"「{clean_text(first, 60)}」で始まるセル ({where}) " if first else f"{where} "


def _clip(text: object, limit: int = 300) -> str:
    return clean_text(text, limit)


@dataclass
class GradingContext:
    """One submission, as far as the trusted process knows it."""

    extraction: Extraction
    """Which notebook each graded name came from, and the remarks made while reading them."""
    run: ChildRun | None
    """The sandboxed child's run; None when nothing needed running."""
    report: dict
    """The child's report.json. Untrusted: used for explanations and returned values only."""
    probe_inputs: dict
    """The probe tensors the trusted process gave the child (see public_checks/function_probes.make_inputs)."""
    data_root: Path | None
    """CIFAR-10 root for the accuracy runs."""
    cache: AccuracyCache = field(default_factory=AccuracyCache)
    """Accuracies of models trained already (lent by the main process)."""
    budget: Budget = Budget()
    """What the grader may spend on this submission."""
    data_key: str = ""
    """Fingerprint of the grader's subsets; the accuracy cache key uses it (else the data root's path)."""
    _models: dict = field(default_factory=dict)

    @property
    def out_dir(self) -> Path | None:
        return self.run.workdir / "out" if self.run else None

    # ------------------------------------------------------------------ why something is missing
    def why_missing(self, name: str, kind: str) -> str:
        """A Japanese explanation of why name's artifact or result is not there. GraderFault instead when
        the cause is the machine's (a thread that could not start, a full disk, a sandbox that failed)."""
        reasons = list(self.extraction.notes.get(name, []))
        if name not in self.extraction.chosen:
            reasons += [n for nb in self.extraction.notebooks for n in nb.notes][:3]
            if not self.extraction.notebooks:
                reasons.append("提出フォルダにノートブック (.ipynb) がありません。")
            return " ".join(reasons) or f"{name} が見つかりませんでした。"
        entry = self.report.get(kind, {}).get(name) if isinstance(self.report.get(kind), dict) else None
        if isinstance(entry, dict) and entry.get("error"):
            reasons.append(_clip(entry["error"]))
        if self.run and self.run.reason:
            reasons.append(self.run.reason)
        elif self.run and not self.report.get("finished"):
            reasons.append("採点用のプログラムが途中で終了しました (sys.exit や os._exit を呼んでいませんか)。")
        notebook = self.extraction.notebooks[self.extraction.chosen[name]]
        module = notebook.name
        for mod in self.report.get("modules", []) if isinstance(self.report.get("modules"), list) else []:
            if isinstance(mod, dict) and mod.get("name") == module and mod.get("errors"):
                first = mod["errors"][0]
                reasons.append(f"{module} の{cell_label(notebook.cells, first.get('cell'))}でエラー: "
                               f"{_clip(first.get('error', ''), 200)}")
                break
        if self.run and self.run.fault:
            raise GraderFault(self.run.fault)
        fault = machine_fault(self.run.output, self.run.own_disk) if self.run else None  # messages: plugin._message
        if fault:  # the machine's, not the code's: the submission is graded again, never marked down
            raise GraderFault(fault)
        if any(marker in " ".join(reasons) for marker in _MEMORY_MARKERS):
            reasons.append(f"メモリ上限 ({self.run.memory_mb if self.run else '?'} MB) を超えました。")
        return " ".join(reasons) or f"{name} の結果がありません。"

    # ------------------------------------------------------------------ models
    def model(self, name: str) -> GraphModel:
        """The student's model rebuilt from its exported graph; CheckFailed with the reason otherwise."""
        if name not in self._models:
            self._models[name] = self._load_model(name)
        found = self._models[name]
        if isinstance(found, CheckFailed):
            raise found
        return found

    def _load_model(self, name: str) -> GraphModel | CheckFailed:
        graph = artifact(self.out_dir, f"{name}.graph.json", max_mb=64)
        weights = artifact(self.out_dir, f"{name}.weights.pt")
        if graph is None or weights is None:
            return CheckFailed(self.why_missing(name, "models"))
        try:
            model = load_model(graph, weights)
            for mode in (True, False):
                model.train(mode)
                flops = forward_flops(model)
                if flops > MAX_FORWARD_FLOPS:
                    return CheckFailed(f"{name} は大きすぎて採点できません (1 枚あたり {flops / 1e9:.1f} GFLOPs)。")
        except GraphError as exc:
            return CheckFailed(f"{name}: {exc}")
        except Exception as exc:  # a graph that does not even run on meta tensors
            return CheckFailed(f"{name} の forward を解析できませんでした: {_clip(f'{type(exc).__name__}: {exc}', 200)}")
        model.train()
        return model

    def accuracy(self, name: str) -> list[float]:
        """Test accuracies (%) of the grader's short seeded runs of this model: seed 0's, and two more seeds'
        when it is near the threshold (short_run.MARGIN). CheckFailed when it cannot run.

        Models that compute the same train identically on the same data, so each result is kept under a
        hash of the computation, the run settings, the training code and the data's content.
        """
        model = self.model(name)
        if self.data_root is None:
            raise GraderFault("no CIFAR-10 root was given to the graders")
        return cached_short_run(name, model, self.cache, data_root=self.data_root,
                                data_key=self.data_key or str(self.data_root),
                                budget_s=self.budget.train_s, max_work=self.budget.run_tflop * 1e12,
                                artifacts=[self.out_dir / f"{name}.{suffix}" for suffix in ("graph.json", "weights.pt")])

    # ------------------------------------------------------------------ functions
    def function(self, name: str):
        """What name returned in the child, as plain data (see plain()); CheckFailed with the reason when
        the call failed or its value cannot be read."""
        entry = self.report.get("functions", {}).get(name) if isinstance(self.report.get("functions"), dict) else None
        if not isinstance(entry, dict) or entry.get("error") or name not in self.extraction.chosen:
            raise CheckFailed(self.why_missing(name, "functions"))
        path = artifact(self.out_dir, f"{name}.returned.pt", max_mb=16)
        if path is None:
            raise CheckFailed(self.why_missing(name, "functions"))
        try:
            return plain(load_tensors(path, 16))
        except Exception:  # a type that weights_only refuses: anything but plain data, tensors and devices
            raise CheckFailed(f"{name} の戻り値の型を採点で扱えません (数値・テンソル・torch.device・リスト・辞書にしてください)。") from None

    def probe_tensor(self, key: str) -> torch.Tensor | None:
        path = artifact(self.out_dir, "probes.pt", max_mb=16)
        if path is None:
            return None
        try:
            saved = load_tensors(path, 16)
        except Exception:
            return None
        value = saved.get(key) if type(saved) is dict else None
        return value if type(value) is torch.Tensor and value.numel() <= 2**20 else None


def read_report(run: ChildRun | None) -> dict:
    """The child's report.json, or {} when it is missing or not valid JSON."""
    path = artifact(run.workdir / "out", "report.json", max_mb=16) if run else None
    if path is None:
        return {}
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}
