"""A stable share of the students for one task of a cluster array job: the same split on every machine."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from autograder.collect.find_submissions import Submission
from autograder.settings import UsageError


@dataclass(frozen=True)
class Shard:
    """Task k of n (1-based, as `sbatch --array=1-N` and `qsub -t 1-N` count)."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise UsageError(f"--shard must be K/N with 1 <= K <= N, not {text!r}")
        return cls(int(match[1]), int(match[2]))

    def holds(self, student: str) -> bool:
        """Whether the student falls to this task: by a hash of the id, never by order or machine."""
        digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big") % self.n == self.k - 1

    def pick(self, subs: list[Submission]) -> list[Submission]:
        return [s for s in subs if self.holds(s.student)]

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"
