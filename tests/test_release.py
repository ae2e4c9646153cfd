"""release/ is nbgrader's output of source/, committed byte for byte, with no solution code in it."""
import json
import re
from pathlib import Path

import pytest

from autograder import publish, release
from autograder.settings import ASSIGNMENT, kit_settings

from conftest import REPO

SOURCE = REPO / "source" / ASSIGNMENT
RELEASE = REPO / "release" / ASSIGNMENT
REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def solution_lines(notebook: str | None = None) -> set[str]:
    """Every substantive line inside a solution region of one source notebook (or of all of them)."""
    lines = set()
    for path in SOURCE.glob(notebook or "*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for region in REGION.findall("".join(cell["source"])):
                lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 12}
    return lines


def code_of(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("course") / "release" / ASSIGNMENT
    release.main(dest=dest)
    return dest


def test_release_is_in_sync_with_source(regenerated):
    committed = sorted(p.name for p in RELEASE.glob("*.ipynb"))
    assert committed == sorted(p.name for p in SOURCE.glob("*.ipynb"))
    assert committed == sorted(p.name for p in regenerated.glob("*.ipynb"))
    stale = [n for n in committed if (RELEASE / n).read_bytes() != (regenerated / n).read_bytes()]
    assert not stale, f"release/ is out of date for {stale}: run `python -m autograder release` and commit"


def test_every_source_cell_has_a_fixed_id():
    for path in SOURCE.glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        ids = [c.get("id") for c in cells]
        assert all(ids) and len(ids) == len(set(ids)), f"{path.name}: cells need unique fixed ids"


def test_sources_have_solution_regions():
    assert len(solution_lines()) > 20, "the solution-stripping test would prove nothing without solutions"


def test_release_holds_no_solution_code():
    """No line of a notebook's solution regions is left in the code cells of its release.

    Prose may name the API a step uses (02 says "net.to(device)" as the lesson does), and a later
    notebook may show an earlier lesson's pattern (03's training helper moves batches to the device).
    """
    leaked = {}
    for path in RELEASE.glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells)
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        found = [line for line in solution_lines(path.name) if line in code_of(path)]
        if found:
            leaked[path.name] = found
    assert not leaked, f"solution lines in release/: {leaked}"


def test_release_notebooks_open_with_colab_link():
    repo = kit_settings()["colab_repo"]
    for path in RELEASE.glob("*.ipynb"):
        first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
        link = f"https://colab.research.google.com/github/{repo}/blob/"
        assert first["id"] == release.COLAB_CELL_ID and link in "".join(first["source"])
        assert f"/{ASSIGNMENT}/{path.name})" in "".join(first["source"])


def test_release_uses_only_colab_packages():
    allowed = {"os", "time", "matplotlib", "numpy", "torch", "torchvision", "google"}
    for path in RELEASE.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for match in re.finditer(r"^\s*(?:import|from)\s+([\w]+)", "".join(cell["source"]), re.M):
                assert match.group(1) in allowed, f"{path.name} imports {match.group(1)}"


def test_publish_copies_only_the_student_part(tmp_path):
    dest = tmp_path / "student-repo"
    (dest / ".git").mkdir(parents=True)
    (dest / ".git" / "HEAD").write_text("kept")
    files = publish.main(dest=dest)
    names = sorted(str(p.relative_to(dest)) for p in files)
    assert names == ["README.md"] + sorted(f"{ASSIGNMENT}/{p.name}" for p in RELEASE.glob("*.ipynb"))
    assert (dest / ".git" / "HEAD").read_text() == "kept"
    published = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for forbidden in ("BEGIN SOLUTION", "from solutions", "import solutions", "autograder", "graders"):
        assert forbidden not in published
    for nb in (dest / ASSIGNMENT).glob("*.ipynb"):
        assert not [line for line in solution_lines(nb.name) if line in code_of(nb)]
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert "Colab" in readme and kit_settings()["colab_repo"] in readme


def test_publish_refuses_the_kit_itself():
    from autograder.settings import UsageError

    with pytest.raises(UsageError):
        publish.main(dest=REPO / "public")
