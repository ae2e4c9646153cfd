"""The outcome of one hidden check."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """One hidden check of one student."""

    check: str
    """Stable id, e.g. 'vgg11.params'; the column name in grades.csv."""
    title: str
    """Short Japanese title shown in the feedback."""
    points: float
    """Points earned: max_points when passed, else 0."""
    max_points: float
    """Points the check is worth."""
    passed: bool
    """Whether the check passed."""
    message: str
    """Japanese explanation: what was expected and what was found (never the answer code)."""
    fault: str = ""
    """Why the check could not be judged through no fault of the student's (autograder/faults.py), in
    English for the instructor; empty when it was judged. A check with a fault earns nothing and makes
    the whole row "not graded"."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StudentResult:
    """The grade of one student."""

    student: str
    """Student id (submission folder name, made printable; unique within a batch)."""
    checks: list[CheckResult]
    """Every hidden check, in grading order."""
    notes: list[str] = field(default_factory=list)
    """Japanese remarks on the submission as a whole (unreadable notebooks, dropped cells, limits hit)."""
    complete: bool = True
    """False when the grading process was stopped (time, memory, crash) before every check ran."""
    usage: dict = field(default_factory=dict)
    """Peak memory of its grading process ("rss_mb", "vm_peak_mb"), for benchmarks; not written to grades."""
    fault: str = ""
    """Why this submission was not graded (the grader's or its machine's fault, never the student's), in
    English for the instructor; empty when it was graded. A row with a fault has no points anywhere."""
    isolation: str = ""
    """How its student code was isolated (settings.isolation_mode): written to grades.json."""

    def __post_init__(self):
        if not self.fault:
            self.fault = next((c.fault for c in self.checks if c.fault), "")

    def to_dict(self) -> dict:
        """Everything but usage (a measurement of the machine, not of the submission)."""
        return {"student": self.student, "checks": [c.to_dict() for c in self.checks], "notes": list(self.notes),
                "complete": self.complete, "fault": self.fault, "isolation": self.isolation}

    @classmethod
    def from_dict(cls, data: dict) -> StudentResult:
        """The inverse of to_dict; also reads grades.json's objects (extra keys are ignored)."""
        return cls(data["student"], [CheckResult(**c) for c in data["checks"]], list(data["notes"]),
                   data["complete"], fault=data.get("fault", ""), isolation=data.get("isolation", ""))

    @property
    def graded(self) -> bool:
        return not self.fault

    @property
    def total(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_total(self) -> float:
        return sum(c.max_points for c in self.checks)


class CheckFailed(Exception):
    """Raised by a check with a Japanese message for the student."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
