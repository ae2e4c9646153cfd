"""Run the hidden pytest checks on one GradingContext and collect CheckResults."""
from __future__ import annotations

import contextlib
import functools
import io
import os
from pathlib import Path

import pytest

from autograder.graders.context import GradingContext
from autograder.graders.results import CheckFailed, CheckResult

GRADERS_DIR = Path(__file__).resolve().parent


def _message(excinfo) -> str:
    exc = excinfo.value
    if isinstance(exc, CheckFailed):
        return str(exc)
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return f"採点中にエラーが起きました ({text[:300]})"


class GradingPlugin:
    def __init__(self, context: GradingContext):
        self.context = context
        self.results: dict[str, CheckResult] = {}

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
        message = "OK" if passed else (_message(call.excinfo) if call.excinfo else "失敗しました")
        if check_id not in self.results or not passed:
            self.results[check_id] = CheckResult(check_id, title, points if passed else 0.0, points, passed, message)


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


def run_graders(context: GradingContext) -> list[CheckResult]:
    """Every hidden check, in file and definition order. Prints nothing.

    Raises RuntimeError when pytest itself could not run the checks: an empty result must never
    look like a student who failed everything.
    """
    plugin = GradingPlugin(context)
    args = [str(GRADERS_DIR), "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR),
            "-p", "no:cacheprovider", "-q", "--no-header"]
    with _quiet_pytest() as out:
        code = pytest.main(args, plugins=[plugin])
    expected = [cid for cid, _, _ in all_checks()]
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or list(plugin.results) != expected:
        raise RuntimeError(f"the hidden checks did not run (pytest exit {int(code)}): {out.getvalue()[-500:]}")
    return list(plugin.results.values())


@functools.cache
def all_checks() -> list[tuple[str, str, float]]:
    """(id, title, points) of every hidden check, collected without running anything."""
    plugin = _Collector()
    with _quiet_pytest():
        pytest.main([str(GRADERS_DIR), "-c", str(GRADERS_DIR / "pytest.ini"), "--rootdir", str(GRADERS_DIR),
                     "-p", "no:cacheprovider", "--collect-only", "-q"], plugins=[plugin])
    if not plugin.checks:
        raise RuntimeError("no hidden checks were collected")
    return plugin.checks


class _Collector:
    def __init__(self):
        self.checks: list[tuple[str, str, float]] = []

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("check")
            if marker:
                self.checks.append((*marker.args, float(marker.kwargs["points"])))

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
