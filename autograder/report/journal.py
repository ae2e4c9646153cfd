"""OUT/journal.jsonl: each graded student's result, appended the moment it finishes.

An interrupted batch (Ctrl-C, SIGTERM, a crash, a full disk) keeps every student it finished, and a
rerun into the same --out takes them from here instead of grading them again (unless --regrade), so
its files are the same as an uninterrupted run's. An entry is taken only for the same submission (a
digest of its notebooks) graded in the same set-up (proof.fingerprint: the kit, torch, limits,
budgets, data): anything else is graded again. Rows that were not graded are never kept.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from autograder.collect import Submission
from autograder.extract.read_notebook import MAX_BYTES
from autograder.graders.results import StudentResult

JOURNAL = "journal.jsonl"


def submission_digest(sub: Submission) -> str:
    """A hash of the submission's notebooks (names and bytes, at most what the grader reads of each)."""
    digest = hashlib.sha256()
    for path in sub.notebooks:
        digest.update(os.fsencode(path.name) + b"\0")
        try:  # never blocks (a file swapped for a pipe) and never follows a link swapped in
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            digest.update(f"unreadable {exc.errno}".encode())
            continue
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                digest.update(b"not a file")
                continue
            left = MAX_BYTES + 1
            while left > 0 and (chunk := f.read(min(left, 2**20))):
                digest.update(chunk)
                left -= len(chunk)
        digest.update(b"\1")
    return digest.hexdigest()


class Journal:
    """The journal of one --out folder, for one set-up."""

    def __init__(self, out: Path, setup_fingerprint: str):
        self.path = Path(out) / JOURNAL
        self.setup = setup_fingerprint
        self.digests: dict[str, str] = {}
        self.failed = ""
        """Why an entry could not be appended (the first time), else empty."""

    def finished(self, subs: list[Submission]) -> dict[str, StudentResult]:
        """Student id -> the journal's result, for each of subs whose notebooks and set-up are unchanged."""
        self.digests = {s.student: submission_digest(s) for s in subs}
        found = {}
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return {}
        for line in lines:  # the last entry of a student wins; a torn last line is skipped
            try:
                entry = json.loads(line)
                if entry["setup"] == self.setup and entry["submission"] == self.digests.get(entry["result"]["student"]):
                    result = StudentResult.from_dict(entry["result"])
                    if result.graded:
                        found[result.student] = result
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def add(self, result: StudentResult) -> None:
        """Append a graded result durably (one write, then fsync). A failure is said once, and the batch goes
        on: the result is still in memory for the final files."""
        if not result.graded or result.student not in self.digests:
            return
        # A leading newline ends any line torn by an earlier failed write (a full disk since freed).
        line = "\n" + json.dumps({"setup": self.setup, "submission": self.digests[result.student],
                                  "result": result.to_dict()}, ensure_ascii=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            if not self.failed:
                self.failed = f"{self.path}: {exc.strerror or exc}"
                print(f"note: the journal {self.failed}: finished students are kept in memory only, "
                      "and an interrupted batch would grade them again", file=sys.stderr)
