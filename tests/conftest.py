import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.data import ENV_VAR, layout

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from this run")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The real CIFAR-10 copy. Skips without one, except under KIT_REQUIRE_DATA=1 (CI), where it fails."""
    root = os.environ.get(ENV_VAR)
    if root and layout(Path(root)):
        return Path(root).resolve()
    message = f"needs real CIFAR-10: set {ENV_VAR} to a torchvision root or an image-folder tree"
    if os.environ.get("KIT_REQUIRE_DATA") == "1":
        pytest.fail(message)
    pytest.skip(message)


def copy_checkout(dest: Path) -> Path:
    """A copy of this checkout's files (tracked and untracked, not ignored) at dest. The venv stays the
    checkout's own (ignored, so not copied): sys.executable runs the copy's code from there."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        src = REPO / os.fsdecode(name)
        if src.is_file():
            (dest / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / os.fsdecode(name))
    return dest


@pytest.fixture(scope="session")
def throwaway_checkout(tmp_path_factory) -> Path:
    """Where hostile code is graded from: whatever it reaches, it reaches this copy."""
    return copy_checkout(tmp_path_factory.mktemp("checkout") / "kit")


@pytest.fixture(scope="session")
def demo_graded(tmp_path_factory, data_root):
    """The demo, run once for the session: (its out folder: submitted/ and grades/, the results)."""
    from autograder import demo

    out = tmp_path_factory.mktemp("demo")
    results, unwritten = demo.main(out=out, data_root=data_root)
    assert unwritten == []
    return out, results


def processes_with(marker: bytes) -> list[str]:
    """Pids of the running processes whose command line contains marker."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found
