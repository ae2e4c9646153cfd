"""The sandboxed child: every limit holds, nothing outlives it, and it cannot see the kit."""
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox import run_child
from autograder.sandbox.isolate import isolation_works
from autograder.sandbox.limits import pids_of_uid, sandbox_uid
from autograder.settings import REPO, Limits

ISOLATED = isolation_works(sandbox_uid())[0]
needs_isolation = pytest.mark.skipif(not ISOLATED, reason="needs bubblewrap with user namespaces (CI has both)")


def run_job(job: dict, **limits):
    with run_child(job, {}, limits=Limits(**limits), isolate=ISOLATED) as result:
        report = json.loads((result.workdir / "out" / "report.json").read_text())
    assert not result.workdir.exists(), "the child's working folder outlived its run"
    return result, report


def run(code: str, **limits):
    return run_job({"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(code)}]}],
                    "models": {}, "functions": {}}, **limits)


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
    _, report = run_job(job)
    assert report["finished"] and "SystemExit" in module_errors(report)


def test_background_process_is_killed_afterwards(tmp_path):
    marker = f"sleep-marker-{os.getpid()}"
    result, _ = run(f"""
        import subprocess
        subprocess.Popen(["/bin/sh", "-c", "sleep 300; : {marker}"], start_new_session=True)
        """)
    assert result.leftovers >= 1 or ISOLATED  # isolated, its PID namespace ends with it: nothing is left to kill
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
    stale = Path(tempfile.mkdtemp(prefix="sandbox-"))  # as a crashed worker would leave it
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
    _, report = run_job(job)
    shutil.rmtree(stale)
    assert report["finished"] and module_errors(report) == ""


@needs_isolation
def test_writable_places_are_private_and_gone_afterwards(tmp_path):
    """What one child leaves in /tmp, /var/tmp or /dev/shm, the next never sees; a folder made after a
    child starts is not visible to it either (an allow-list, not a list of what to hide)."""
    leave = "for d in ('/tmp', '/var/tmp', '/dev/shm'):\n    open(d + '/left-behind', 'w').write('x')"
    _, report = run(leave)
    assert module_errors(report) == ""
    late = tmp_path / "made-later"
    code = f"""
        import os, time
        os.makedirs('/sandbox/out', exist_ok=True)
        time.sleep(1)  # the grader makes {str(late)!r} meanwhile
        seen = [d for d in ('/tmp', '/var/tmp', '/dev/shm') if os.path.exists(d + '/left-behind')]
        seen += [p for p in ({str(late)!r}, {str(tmp_path)!r}) if os.path.exists(p)]
        """
    job = {"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(code)},
                                                         {"cell": 2, "code": "assert not seen, seen"}]}],
           "models": {}, "functions": {}}
    late.mkdir()
    _, report = run_job(job)
    assert report["finished"] and module_errors(report) == ""


@needs_isolation
def test_mount_table_and_process_list_hide_the_grader(tmp_path):
    code = """
        import os
        mounts = open('/proc/self/mountinfo').read()
        cmdlines = []
        for pid in os.listdir('/proc'):
            if pid.isdigit():
                try:
                    cmdlines.append(open(f'/proc/{pid}/cmdline', 'rb').read().decode(errors='replace'))
                except OSError:
                    pass
        """
    job = {"modules": [{"name": "t.ipynb", "snippets": [
        {"cell": 1, "code": textwrap.dedent(code)},
        {"cell": 2, "code": f"assert {str(REPO / 'autograder')!r} not in mounts, 'kit in mount table'"},
        {"cell": 3, "code": f"assert {str(tmp_path)!r} not in mounts, 'output in mount table'"},
        {"cell": 4, "code": "assert not [c for c in cmdlines if 'pytest' in c or 'autograder' in c], cmdlines"},
        {"cell": 5, "code": "assert len(cmdlines) <= 3, cmdlines"}]}], "models": {}, "functions": {}}
    _, report = run_job(job)
    assert report["finished"] and module_errors(report) == ""


@needs_isolation
def test_every_writable_place_is_size_capped_and_filling_it_fails_only_the_child():
    """Writing until full fails the child's own writes; the host's disk does not move, and the child
    still reports (a full disk inside its own caps is its own doing: own_disk)."""
    fill = """
        import os
        filled = {}
        for d in ('/sandbox', '/tmp', '/var/tmp', '/run', '/dev/shm', '/dev'):
            written = 0
            try:
                with open(d + '/fill', 'wb') as f:
                    for _ in range(4096):  # 4 GB if nothing stops it
                        f.write(bytes(2**20))
                        written += 2**20
            except OSError as exc:
                filled[d] = (written // 2**20, exc.errno)
            try:
                os.remove(d + '/fill')
            except OSError:
                pass
        """
    job = {"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(fill)},
                                                         {"cell": 2, "code": "raise RuntimeError(repr(filled))"}]}],
           "models": {}, "functions": {}}
    free_before = shutil.disk_usage(tempfile.gettempdir()).free
    result, report = run_job(job, disk_mb=256, file_mb=8192)
    filled = eval(module_errors(report).split("RuntimeError: ", 1)[1])  # noqa: S307 - our own repr of ints
    assert report["finished"] and result.own_disk
    assert set(filled) == {"/sandbox", "/tmp", "/var/tmp", "/run", "/dev/shm", "/dev"}, filled
    assert filled["/sandbox"][0] <= 256 and all(mb <= 64 for d, (mb, _) in filled.items() if d != "/sandbox"), filled
    assert abs(shutil.disk_usage(tempfile.gettempdir()).free - free_before) < 128 * 2**20


def test_the_grader_receives_at_most_disk_mb_of_artifacts():
    """Artifacts reach the grader through a stream it caps, whatever the child writes into it."""
    flood = """
        import os
        with open('out/report.json', 'wb') as f:
            f.write(b'{}' + b' ' * 2**20)
        for _ in range(64):
            os.write(int(os.environ['ARTIFACT_FD']), b'ART1' + (11).to_bytes(2, 'big') + b'report.json'
                     + (2**20 + 2).to_bytes(8, 'big') + b'{}' + b' ' * 2**20)
        """
    result, _ = run_job({"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(flood)}]}],
                         "models": {}, "functions": {}}, disk_mb=16)
    assert result.reason == "書き出したデータが多すぎます (上限 16 MB)"


def test_a_broken_artifact_stream_is_the_childs_failure_and_writes_nothing_outside_out(tmp_path):
    code = f"""
        import os
        fd = int(os.environ['ARTIFACT_FD'])
        os.write(fd, b'ART1' + (20).to_bytes(2, 'big') + b'../../../escaped.txt' + (1).to_bytes(8, 'big') + b'x')
        """
    with run_child({"modules": [{"name": "t.ipynb", "snippets": [{"cell": 1, "code": textwrap.dedent(code)}]}],
                    "models": {}, "functions": {}}, {}, limits=Limits(), isolate=ISOLATED) as result:
        assert result.reason == "採点用の出力の形式が壊れています"
        assert sorted(p.name for p in (result.workdir / "out").iterdir()) in ([], ["report.json"])
        assert not list(result.workdir.parent.glob("escaped.txt"))
