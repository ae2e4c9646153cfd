"""One submission through every stage: extract -> sandboxed run -> hidden checks.

prepare() sets a batch up once (in the main process); grade_submission() runs in a bounded grading
process of its own per submission (autograder/grading_process.py), never in the process that writes
the grades.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.collect import Submission
from autograder.data import cache_dir, ensure_available, resolve_root
from autograder.extract import Extraction, extract
from autograder.public_checks import function_probes
from autograder.graders.accuracy_cache import AccuracyCache
from autograder.graders.context import GradingContext, read_report
from autograder.graders.plugin import all_checks, run_graders
from autograder.graders.probe_seed import instructor_key, probe_seed
from autograder.graders.results import CheckResult, StudentResult
from autograder.graders.short_run import decode_subsets
from autograder.sandbox import run_child
from autograder.sandbox.isolate import isolation_works
from autograder.sandbox.limits import hard_limit_problems, sandbox_uid
from autograder.settings import FUNCTION_NAMES, MODEL_NAMES, Budget, Limits, UsageError, threads_per_job


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
    """How a batch is graded; the same for every submission in it. Travels as JSON to grading processes."""

    data_root: Path | None
    """CIFAR-10 root for the accuracy runs."""
    limits: Limits = Limits()
    """Sandbox limits of each child."""
    budget: Budget = Budget()
    """What the grader may spend on each submission."""
    isolate: bool = True
    """Run children inside bubblewrap (own namespaces, allow-listed files; own uid as root)."""
    cache_dir: Path | None = None
    """Where short-run accuracies persist between batches (only where children cannot reach it)."""
    accuracy_cache: bool = True
    """Reuse the accuracy of a model already trained with the same artifacts."""
    drop_uid: bool = False
    """Without isolation, still run children as a uid of their own (as root only; Gradescope's fallback)."""
    data_key: str = ""
    """Fingerprint of the grader's subsets (decode_subsets): the accuracy cache is keyed on the data's
    content, so the same images under another path (a Gradescope bundle) reuse the same runs."""
    threads: int = 0
    """Torch threads of each grading process outside the accuracy runs (those always run on
    short_run.ACCURACY_THREADS); 0 until grade_all shares the cores out among its jobs."""
    jobs: int = 1
    """Grading processes side by side (their children share the process limit where they share a uid)."""
    isolation_why: str = ""
    """Why children are not inside bubblewrap, when they are not."""
    probe_key: str = ""
    """The instructor's secret (hex) that seeds each submission's probe inputs (graders/probe_seed.py);
    never handed to a child. Empty: a fresh random seed for every submission."""

    @property
    def isolation(self) -> str:
        """How children are isolated: 'bubblewrap', 'uid-only' (a uid of their own, no namespaces) or 'none'."""
        mode = "bubblewrap" if self.isolate else "uid-only" if self.drop_uid else "none"
        return f"{mode} ({self.isolation_why})" if self.isolation_why and not self.isolate else mode

    def to_json(self) -> str:
        data = asdict(self)
        data["limits"], data["budget"] = asdict(self.limits), asdict(self.budget)
        data["data_root"] = str(self.data_root) if self.data_root else None
        data["cache_dir"] = str(self.cache_dir) if self.cache_dir else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> GradingSetup:
        data = json.loads(text)
        return cls(data_root=Path(data["data_root"]) if data["data_root"] else None, limits=Limits(**data["limits"]),
                   budget=Budget(**data["budget"]), isolate=data["isolate"], drop_uid=data["drop_uid"],
                   data_key=data["data_key"], threads=data["threads"], jobs=data["jobs"],
                   isolation_why=data["isolation_why"],
                   cache_dir=Path(data["cache_dir"]) if data["cache_dir"] else None,
                   accuracy_cache=data["accuracy_cache"], probe_key=data["probe_key"])


def prepare(data_root: str | Path | None, limits: Limits = Limits(), budget: Budget = Budget(),
            accuracy_cache: bool = True, allow_uid_only: bool = False, jobs: int = 1, threads: int = 0) -> GradingSetup:
    """Check the graders, the data and this user's hard limits (UsageError / DataNotFound), decode the
    grader's subsets once, probe isolation. As root without isolation, refuse rather than run
    submissions as root, unless allow_uid_only (a one-submission container such as Gradescope's): then
    children run as a uid of their own. Any isolation short of bubblewrap is said on the terminal and
    in every row of grades.json (GradingSetup.isolation)."""
    all_checks()  # refuses planted tests before anything else runs
    root_user = os.geteuid() == 0
    problems = hard_limit_problems(limits, budget, jobs)
    if problems:  # read first: a budget above a hard limit would fail every student, or turn isolation off
        raise UsageError("; ".join(problems))
    root = resolve_root(data_root)
    ensure_available(root)
    data_key = decode_subsets(root)  # once, here, before grading processes start side by side
    isolate, why = isolation_works(sandbox_uid() if root_user else None)
    jobs = max(1, jobs)
    common = dict(accuracy_cache=accuracy_cache, data_key=data_key, jobs=jobs, threads=threads or threads_per_job(jobs),
                  isolation_why=why, probe_key=instructor_key(cache_dir()))
    if not isolate and root_user and allow_uid_only:
        print(f"note: children run as an unprivileged uid of their own without namespaces ({why}; see THREAT_MODEL.md)",
              file=sys.stderr)
        # The cache folder is root's (mode 700): a child running as its own uid cannot reach it.
        cache = cache_dir() / "accuracy" if accuracy_cache else None
        return GradingSetup(root, limits, budget, isolate=False, drop_uid=True, cache_dir=cache, **common)
    if not isolate and root_user:
        raise UsageError(f"running as root, but children cannot be isolated here ({why}): submissions would run "
                         "as root. Install bubblewrap (apt-get install bubblewrap)")
    if not isolate:
        print(f"note: children run as this user without isolation ({why}; see THREAT_MODEL.md)", file=sys.stderr)
    # Only isolated children cannot reach our cache folder; otherwise results live in this batch only.
    cache = cache_dir() / "accuracy" if isolate and accuracy_cache else None
    return GradingSetup(root, limits, budget, isolate=isolate, cache_dir=cache, **common)


def grade_submission(sub: Submission, setup: GradingSetup, cache: AccuracyCache, emit=None) -> StudentResult:
    """Every check of one submission. emit(kind, **data) hears each stage and check as it finishes."""
    emit = emit or (lambda kind, **data: None)
    emit("stage", stage="extract")
    extraction = extract(sub)
    job = build_job(extraction)
    probe_inputs = function_probes.make_inputs(probe_seed(setup.probe_key, sub.student))  # secret: see probe_seed
    notes = list(sub.notes) + [note for nb in extraction.notebooks for note in nb.notes]
    notes += [note for name in extraction.chosen for note in extraction.notes[name]]  # which copy was graded
    if not sub.notebooks:
        notes.append("提出フォルダにノートブック (.ipynb) がありません。")
    emit("notes", notes=notes)

    def graded(context: GradingContext) -> list[CheckResult]:
        emit("stage", stage="checks")
        return run_graders(context, on_result=lambda c: emit("check", check=c.check, passed=c.passed, message=c.message,
                                                             fault=c.fault))

    if not job["modules"]:
        checks = graded(GradingContext(extraction, None, {}, probe_inputs, setup.data_root, cache, setup.budget,
                                       data_key=setup.data_key))
        return StudentResult(sub.student, checks, notes)
    emit("stage", stage="sandbox")
    with run_child(job, probe_inputs, limits=setup.limits, isolate=setup.isolate, drop_uid=setup.drop_uid,
                   neighbours=setup.jobs) as run:
        checks = graded(GradingContext(extraction, run, read_report(run), probe_inputs, setup.data_root, cache,
                                       setup.budget, data_key=setup.data_key))
    more = []
    if run.reason:
        more.append(f"採点用の実行を打ち切りました: {run.reason}")
    if run.leftovers:
        more.append(f"終了後も残っていたプロセス {run.leftovers} 個を止めました。")
    emit("notes", notes=more)
    return StudentResult(sub.student, checks, notes + more)
