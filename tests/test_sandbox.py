"""The sandboxed child: every limit holds, nothing outlives it, and it cannot see the kit."""
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox import run_child
from autograder.sandbox.limits import pids_of_uid, privilege_drop_works, sandbox_uid
from autograder.settings import REPO, Limits

ISOLATED = privilege_drop_works()
needs_isolation = pytest.mark.skipif(not ISOLATED, reason="needs root with namespaces (CI runs as root)")


def run(code: str, **limits):
    job = {"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(code)}]}],
           "models": {}, "functions": {}}
    result = run_child(job, {}, limits=Limits(**limits))
    report = json.loads((result.workdir / "out" / "report.json").read_text())
    result.cleanup()
    return result, report


def module_errors(report) -> str:
    return " ".join(e["error"] for m in report["modules"] for e in m["errors"])


def test_plain_definitions_run_and_finish():
    result, report = run("x = 1 + 1")
    assert result.returncode == 0 and result.reason is None and report["finished"]


def test_infinite_loop_times_out():
    result, _ = run("while True:\n    pass", timeout_s=3)
    assert result.reason == "時間切れ (3 秒)" and result.seconds < 20


def test_huge_allocation_hits_the_memory_cap():
    result, report = run("big = bytearray(64 * 2**30)", memory_mb=6144)
    assert result.returncode == 0 and report["finished"]
    assert "MemoryError" in module_errors(report)


def test_output_flood_is_cut():
    result, _ = run("while True:\n    print('x' * 1000)", output_kb=64, timeout_s=30)
    assert result.reason == "出力が多すぎます (上限 64 KB)" and result.seconds < 20


def test_exit_during_import_is_seen_as_unfinished():
    result, report = run("import os\nos._exit(0)")
    assert result.returncode == 0 and not report["finished"]


def test_sys_exit_only_ends_that_statement():
    job = {"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": "import sys\nsys.exit(0)"},
                                                         {"cell": 2, "code": "after = 1"}]}],
           "models": {}, "functions": {}}
    result = run_child(job, {}, limits=Limits())
    report = json.loads((result.workdir / "out" / "report.json").read_text())
    result.cleanup()
    assert report["finished"] and "SystemExit" in module_errors(report)


def test_background_process_is_killed_afterwards(tmp_path):
    marker = f"sleep-marker-{os.getpid()}"
    result, _ = run(f"""
        import subprocess
        subprocess.Popen(["/bin/sh", "-c", "sleep 300; : {marker}"], start_new_session=True)
        """)
    assert result.leftovers >= 1
    alive = [p for p in Path("/proc").glob("[0-9]*/cmdline") if marker.encode() in _read(p)]
    assert not alive, "a process of the submission outlived its grading"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_fork_bomb_is_contained():
    result, _ = run("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """, timeout_s=5, max_processes=32)
    assert result.reason == "時間切れ (5 秒)"
    if ISOLATED:
        assert pids_of_uid(sandbox_uid()) == []


def test_kit_is_not_importable():
    _, report = run("import solutions")
    assert "ModuleNotFoundError" in module_errors(report)
    _, report = run("import autograder")
    assert "ModuleNotFoundError" in module_errors(report)


@needs_isolation
def test_child_cannot_see_the_kit_or_the_network(tmp_path):
    secret = tmp_path / "other-student"
    secret.mkdir()
    (secret / "answer.ipynb").write_text("secret")
    stale = Path(tempfile.mkdtemp(prefix="autograder-child-"))  # as a crashed worker would leave it
    (stale / "job.json").write_text("another student's code")
    for path in (stale, stale / "job.json"):
        os.chown(path, sandbox_uid(), sandbox_uid())
    job = {"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(f"""
        import os, socket
        seen = []
        for path in [{str(REPO / 'solutions' / 'models.py')!r}, {str(REPO / 'autograder' / 'graders' / 'test_1_net.py')!r},
                     {str(secret / 'answer.ipynb')!r}, {str(stale / 'job.json')!r}]:
            try:
                open(path).read()
                seen.append(path)
            except OSError:
                pass
        try:
            socket.create_connection(("127.0.0.1", 22), timeout=2)
            seen.append("network")
        except OSError:
            pass
        uid = os.getuid()
        """)}, {"cell": 2, "code": "assert not seen, seen"}, {"cell": 3, "code": "assert uid != 0"}]}],
        "models": {}, "functions": {}}
    result = run_child(job, {}, limits=Limits(), hide=(secret,))
    report = json.loads((result.workdir / "out" / "report.json").read_text())
    result.cleanup()
    shutil.rmtree(stale)
    assert report["finished"] and module_errors(report) == ""
