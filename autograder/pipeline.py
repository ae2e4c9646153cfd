"""One submission through every stage: extract -> sandboxed run -> hidden checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.collect import Submission
from autograder.extract import Extraction, extract
from autograder.graders import probes
from autograder.graders.context import GradingContext, read_report
from autograder.graders.plugin import run_graders
from autograder.graders.results import CheckResult
from autograder.sandbox import run_child
from autograder.settings import FUNCTION_NAMES, MODEL_NAMES, Limits


@dataclass
class StudentResult:
    """The grade of one student."""

    student: str
    """Student id (submission folder name)."""
    checks: list[CheckResult]
    """Every hidden check, in grading order."""
    notes: list[str] = field(default_factory=list)
    """Japanese remarks on the submission as a whole (unreadable notebooks, dropped cells, limits hit)."""

    @property
    def total(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_total(self) -> float:
        return sum(c.max_points for c in self.checks)


def build_job(extraction: Extraction) -> dict:
    """The child's job.json: the chosen notebooks' definitions, and which names to export or probe."""
    used = sorted(set(extraction.chosen.values()))
    position = {nb_index: i for i, nb_index in enumerate(used)}
    modules = [{"name": extraction.notebooks[i].name,
                "snippets": [{"cell": s.cell, "code": s.code} for s in extraction.notebooks[i].snippets]}
               for i in used]
    pick = {name: position[i] for name, i in extraction.chosen.items()}
    return {"modules": modules,
            "models": {n: pick[n] for n in MODEL_NAMES if n in pick},
            "functions": {n: pick[n] for n in FUNCTION_NAMES if n in pick}}


@dataclass(frozen=True)
class GradingSetup:
    """How a batch is graded; the same for every submission in it."""

    data_root: Path | None
    """CIFAR-10 root for the accuracy runs."""
    limits: Limits = Limits()
    """Sandbox limits of each child."""
    drop: bool = True
    """Isolate children (own uid, namespaces, hidden folders) when running as root."""
    hide: tuple[Path, ...] = ()
    """Folders besides the kit's own that children must not see: the submissions and the output."""
    cache_dir: Path | None = None
    """Where short-run accuracies persist between batches (only where children cannot reach it)."""


def grade_submission(sub: Submission, setup: GradingSetup) -> StudentResult:
    extraction = extract(sub)
    job = build_job(extraction)
    probe_inputs = probes.make_inputs()
    run = None
    if job["modules"]:
        run = run_child(job, probe_inputs, limits=setup.limits, drop=setup.drop, hide=setup.hide)
    try:
        context = GradingContext(extraction, run, read_report(run), probe_inputs, setup.data_root, setup.cache_dir)
        checks = run_graders(context)
    finally:
        if run is not None:
            run.cleanup()
    notes = [note for nb in extraction.notebooks for note in nb.notes]
    notes += [note for name in extraction.chosen for note in extraction.notes[name]]  # which copy was graded
    if not sub.notebooks:
        notes.append("提出フォルダにノートブック (.ipynb) がありません。")
    if run is not None and run.reason:
        notes.append(f"採点用の実行を打ち切りました: {run.reason}")
    if run is not None and run.leftovers:
        notes.append(f"終了後も残っていたプロセス {run.leftovers} 個を止めました。")
    return StudentResult(sub.student, checks, notes)


