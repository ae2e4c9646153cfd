"""Run the hidden pytest checks on one GradingContext and collect CheckResults."""
from __future__ import annotations

import contextlib
import functools
import io
import os
from pathlib import Path

import pytest

from autograder.faults import NOT_GRADED, fault_of, machine_fault
from autograder.graders.context import GradingContext
from autograder.graders.results import CheckFailed, CheckResult
from autograder.settings import UsageError
from autograder.text import clean_text, exception_line

GRADERS_DIR = Path(__file__).resolve().parent


def _message(exc: BaseException, own_disk: bool) -> tuple[str, str]:
    """(Japanese message, grader fault or ""): a CheckFailed or the grading process's own memory budget is
    the student's, unless the message quotes an error of the machine (a child's thread that could not
    start, a full disk that was not the child's own: own_disk); anything else that a check raised is the
    grader's (autograder/faults.py)."""
    if isinstance(exc, CheckFailed):
        fault = machine_fault(str(exc), own_disk)
        return (NOT_GRADED, fault) if fault else (clean_text(exc), "")
    fault = fault_of(exc)
    if fault:
        return NOT_GRADED, clean_text(fault)
    return f"採点のメモリ上限を超えたため、この項目を確かめられませんでした ({exception_line(exc)[:120]})", ""


class GradingPlugin:
    def __init__(self, context: GradingContext, on_result=None):
        self.context = context
        self.results: dict[str, CheckResult] = {}
        self.on_result = on_result or (lambda result: None)
        self._check_of: dict[str, str] = {}  # pytest node id -> check id

    @pytest.fixture
    def submission(self) -> GradingContext:
        return self.context

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        marker = item.get_closest_marker("check")
        if marker is None or (report.when != "call" and report.passed):
            return
        check_id, title = marker.args
        points = float(marker.kwargs["points"])
        passed = report.passed and report.when == "call"
        message, fault = "OK", ""
        if not passed:
            own_disk = bool(self.context.run and self.context.run.own_disk)
            message, fault = _message(call.excinfo.value, own_disk) if call.excinfo else ("失敗しました", "")
        self._check_of[item.nodeid] = check_id
        if check_id not in self.results or not passed:
            self.results[check_id] = CheckResult(check_id, title, points if passed else 0.0, points, passed, message, fault)

    def pytest_runtest_logfinish(self, nodeid, location):
        if nodeid in self._check_of:
            self.on_result(self.results[self._check_of[nodeid]])


@contextlib.contextmanager
def _quiet_pytest():
    """No output, and none of the caller's PYTEST_* settings (e.g. PYTEST_ADDOPTS) leaking in."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("PYTEST_")}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            yield out
    finally:
        os.environ.update(saved)


def run_graders(context: GradingContext, on_result=None) -> list[CheckResult]:
    """Every hidden check, in file and definition order. Prints nothing. on_result(CheckResult) hears
    each check as soon as it is decided.

    Raises RuntimeError when pytest itself could not run the checks: an empty result must never
    look like a student who failed everything.
    """
    plugin = GradingPlugin(context, on_result)
    args = [str(GRADERS_DIR), "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR),
            "-p", "no:cacheprovider", "-q", "--no-header", "--tb=native"]  # native: no repr of the arguments (seconds per submission)
    with _quiet_pytest() as out:
        code = pytest.main(args, plugins=[plugin])
    expected = [cid for cid, _, _ in all_checks()]
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or list(plugin.results) != expected:
        raise RuntimeError(f"the hidden checks did not run (pytest exit {int(code)}): {out.getvalue()[-500:]}")
    return list(plugin.results.values())


class UnmarkedTest(UsageError):
    """A test in autograder/graders/ without a check marker: not ours, so nothing is graded."""


@functools.cache
def all_checks() -> list[tuple[str, str, float]]:
    """(id, title, points) of every hidden check, collected without running anything.

    Raises UnmarkedTest when any collected test has no check marker: such a test can only have
    been planted (it would pass for everyone), so grading refuses to start.
    """
    plugin = _Collector()
    with _quiet_pytest():
        pytest.main([str(GRADERS_DIR), "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR),
                     "-p", "no:cacheprovider", "--collect-only", "-q"], plugins=[plugin])
    if plugin.unmarked:
        raise UnmarkedTest(f"refusing to grade: {len(plugin.unmarked)} test(s) in {GRADERS_DIR} have no check marker "
                           f"({', '.join(plugin.unmarked[:5])}); restore the graders from git")
    if not plugin.checks:
        raise RuntimeError("no hidden checks were collected")
    return plugin.checks


class _Collector:
    def __init__(self):
        self.checks: list[tuple[str, str, float]] = []
        self.unmarked: list[str] = []

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("check")
            if marker:
                self.checks.append((*marker.args, float(marker.kwargs["points"])))
            else:
                self.unmarked.append(item.nodeid)
