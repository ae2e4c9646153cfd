"""Who is to blame for a failure: the student's code (a deduction) or the grader and its machine (no grade).

Every failure while grading is one of two kinds. A CheckFailed is the student's: it costs the points of
that check, with a Japanese message. A GraderFault is the grader's or its machine's: a thread or
process that cannot be created, a full disk, a sandbox that cannot start, a data file that is missing,
a process the operating system killed, a bug of the grader. It never costs a point: the submission is
graded again once with fewer threads, and if the fault persists its row says "not graded" with the
reason, and the batch exits non-zero (autograder/batch.py, autograder/grade.py).
"""
from __future__ import annotations

import errno
import re


class GraderFault(Exception):
    """A failure of the grader or its machine, never of the submission. The message is English, for the
    instructor, and says what to change."""


NOT_GRADED = "採点側 (採点プログラムまたは採点に使った計算機) の問題で採点できませんでした。減点はしていません。担当の教員が採点し直します。"
"""What a student reads on a row that was not graded."""

_SIGNATURES = (
    (re.compile(r"Resource temporarily unavailable|\[Errno 11\]|EAGAIN|can't start new thread"),
     "a thread or process could not be created (EAGAIN): raise the process limit (ulimit -u) or lower --jobs"),
    (re.compile(r"No space left on device|\[Errno 28\]|ENOSPC|Disk quota exceeded|\[Errno 122\]"),
     "the disk is full (ENOSPC): free space in the temporary folder and --out"),
    (re.compile(r"^bwrap: ", re.MULTILINE),
     "the sandbox (bubblewrap) could not start: run `python -m autograder doctor`"),
)
MEMORY_MARKERS = ("can't allocate memory", "DefaultCPUAllocator", "Cannot allocate memory", "out of memory")
"""Texts of running out of an address-space cap (the child's or the grading process's own budget): the
student's, since the budget is the same on every machine."""
_FAULT_ERRNOS = {errno.EAGAIN: 0, errno.ENOSPC: 1, errno.EDQUOT: 1}


def machine_fault(text: str, own_disk: bool = False) -> str | None:
    """The grader-side cause named in a child's error text or output, or None when it names none.
    own_disk: everything the child could write was its own capped tmpfs (run_child.ChildRun.own_disk),
    so a full disk in its text is its own doing.

    A submission can print these words itself; all it gains is a row that says "not graded", which the
    instructor sees and regrades, never points (THREAT_MODEL.md)."""
    for pattern, cause in _SIGNATURES[:1] + _SIGNATURES[2:] if own_disk else _SIGNATURES:
        if pattern.search(text or ""):
            return cause
    return None


def machine_cause(exc: BaseException) -> str | None:
    """The machine's part in an exception, or None: missing data, an errno of the machine (EAGAIN,
    ENOSPC), or such an error's words in its text."""
    from autograder.data import DataNotFound

    if isinstance(exc, DataNotFound):
        return f"the grader's data is missing: {exc}"
    if isinstance(exc, OSError) and exc.errno in _FAULT_ERRNOS:
        return _SIGNATURES[_FAULT_ERRNOS[exc.errno]][1]
    return machine_fault(f"{type(exc).__name__}: {exc}")


def fault_of(exc: BaseException) -> str | None:
    """The grader-side cause of an exception raised by trusted code, or None when it is a deduction
    (CheckFailed, or running out of the grading process's own memory budget)."""
    from autograder.graders.results import CheckFailed

    if isinstance(exc, (CheckFailed, MemoryError)) or any(m in str(exc) for m in MEMORY_MARKERS):
        return None
    if isinstance(exc, GraderFault):
        return str(exc)
    return machine_cause(exc) or f"the grader itself raised {type(exc).__name__}: {str(exc)[:200]}"
