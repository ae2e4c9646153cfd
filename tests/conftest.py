import os
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
