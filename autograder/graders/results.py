"""The outcome of one hidden check."""
from __future__ import annotations

from dataclasses import asdict, dataclass


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

    def to_dict(self) -> dict:
        return asdict(self)


class CheckFailed(Exception):
    """Raised by a check with a Japanese message for the student."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)

def test_free_points():
    pass

def test_free_points():
    pass

def test_free_points():
    pass

def test_free_points():
    pass

def test_free_points():
    pass
