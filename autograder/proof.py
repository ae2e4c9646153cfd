"""Every batch proves its machine first: the reference solutions must get full marks and the blank
release zero, graded in the very set-up the students will be (user, isolation, threads, jobs, torch
build, data), or nobody is graded.

A passing proof is remembered under a fingerprint of that set-up (fingerprint()), so it costs seconds
after the first time; its accuracy runs also fill the batch's accuracy cache, so students whose models
compute what the references compute are not trained again.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from autograder.collect import Submission
from autograder.data import cache_dir
from autograder.files import write_atomic
from autograder.graders.results import StudentResult
from autograder.pipeline import GradingSetup
from autograder.settings import ASSIGNMENT, REPO, UsageError


class SetupRefused(UsageError):
    """The proof failed: grading here would not give the grades the submissions deserve."""


@dataclass(frozen=True)
class Proof:
    """The outcome of grading the references and the blank release in one set-up."""

    fingerprint: str
    """fingerprint() of the set-up that was proved."""
    problems: tuple[str, ...]
    """One English line per check that differs from what it must be (empty: proved)."""
    cached: bool
    """True when a passing proof of the same fingerprint was found instead of grading again."""

    @property
    def passed(self) -> bool:
        return not self.problems


def examples(course_dir: Path = REPO) -> list[Submission]:
    """The reference answers (source/) and the blank release (release/), read where they are."""
    found = []
    for student, folder in (("reference", "source"), ("blank-release", "release")):
        notebooks = tuple(sorted((course_dir / folder / ASSIGNMENT).glob("*.ipynb")))
        if not notebooks:
            raise UsageError(f"{folder}/{ASSIGNMENT}/ has no notebooks: the kit's checkout is incomplete")
        found.append(Submission(f"proof:{student}", notebooks, ()))
    return found


def torch_build() -> str:
    """The torch and torchvision build and the CPU kernels torch chose, in one line."""
    import torch

    try:
        vision = metadata.version("torchvision")
    except metadata.PackageNotFoundError:  # grading itself needs it only to decode the subsets once
        vision = "not installed"
    return (f"torch {torch.__version__} cuda {torch.version.cuda} cpu {torch.backends.cpu.get_cpu_capability()} "
            f"torchvision {vision}")


def fingerprint(setup: GradingSetup, course_dir: Path = REPO) -> str:
    """A hash of everything that can change a grade but the submission: the kit's code and notebooks,
    Python, the torch and torchvision build and CPU kernels, the user, and the set-up (isolation, threads,
    limits, budgets, the data's content)."""
    digest = hashlib.sha256()
    files = sorted([*(REPO / "autograder").rglob("*"), *(course_dir / "source" / ASSIGNMENT).glob("*.ipynb"),
                    *(course_dir / "release" / ASSIGNMENT).glob("*.ipynb")])
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO if path.is_relative_to(REPO) else course_dir)).encode())
            digest.update(path.read_bytes())
    # Not the path of the data (its content is data_key) nor of the cache, nor the number of jobs (each
    # grading process is alone with its submission; the process limit is read per child), nor the probe
    # key (right functions pass on any probe data).
    settings = {**asdict(setup), "data_root": None, "cache_dir": None, "jobs": None, "probe_key": None, "limits": asdict(setup.limits),
                "budget": asdict(setup.budget)}
    digest.update(json.dumps([sys.version, torch_build(), os.geteuid(), settings], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _problems(result: StudentResult, want_full: bool) -> list[str]:
    who = "the reference solutions" if want_full else "the blank release"
    if not result.graded:
        return [f"{who} could not be graded in this set-up: {result.fault}"]
    wrong = [c for c in result.checks if c.passed != want_full]
    if not wrong:
        return []
    return [f"{who} scored {result.total:g}/{result.max_total:g} here, not {result.max_total if want_full else 0:g}: "
            + "; ".join(f"{c.check} {'failed' if want_full else 'passed'} ({c.message[:160]})" for c in wrong[:6])]


def _proof_file(fp: str) -> Path:
    return cache_dir() / "proofs" / f"{fp}.json"


def prove(setup: GradingSetup, *, cache=None, reuse: bool = True, course_dir: Path = REPO) -> Proof:
    """Grade the references and the blank release with setup (cache: the batch's AccuracyCache, which
    their runs fill). With reuse, a passing proof of the same fingerprint is taken instead."""
    from autograder.batch import INTERRUPT, Interrupted, grade_all

    fp = fingerprint(setup, course_dir)
    if reuse and _proof_file(fp).is_file():
        return Proof(fp, (), cached=True)
    reference, blank = grade_all(examples(course_dir), setup, jobs=min(setup.jobs, 2), cache=cache)
    if INTERRUPT.event.is_set():
        raise Interrupted("interrupted while proving the set-up: nobody was graded")
    problems = tuple(_problems(reference, True) + _problems(blank, False))
    if not problems:
        try:
            write_atomic(_proof_file(fp), json.dumps({"setup": setup.isolation, "torch": torch_build()}))
        except OSError as exc:  # costs only the time of proving again next time
            print(f"note: the proof could not be remembered ({exc.strerror}); the next batch proves again", file=sys.stderr)
    return Proof(fp, problems, cached=False)


def require(setup: GradingSetup, *, cache=None) -> Proof:
    """prove(), or SetupRefused with one line per difference and what to do."""
    proof = prove(setup, cache=cache)
    if not proof.passed:
        raise SetupRefused("this machine does not grade the references as it must, so nobody was graded:\n  "
                           + "\n  ".join(proof.problems) + "\nrun `python -m autograder doctor` to see the set-up")
    return proof
