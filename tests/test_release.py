"""release/ is nbgrader's output of source/, committed byte for byte, with no solution code in it."""
import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder import publish, release
from autograder.public_checks import CODE_CELL_ID, inline_source
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


def test_source_check_cells_are_generated_from_public_checks():
    for path in SOURCE.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        release.sync_check_cells(nb, path.name)
        assert nbformat.writes(nb) == before, f"{path.name}: run `python -m autograder release` and commit"


def test_check_code_defines_no_name_that_a_notebook_defines():
    """The inlined check code shares the notebook's globals: a clash would let one overwrite the other."""
    for path in SOURCE.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        ours = _top_level_names(inline_source(path.name))
        theirs = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.get("id") != CODE_CELL_ID:
                theirs |= _top_level_names(cell.source, assigned_only=True)
        assert not ours & theirs, f"{path.name}: {sorted(ours & theirs)}"


def _top_level_names(code: str, assigned_only: bool = False) -> set[str]:
    names = set()
    for node in ast.parse("\n".join(l for l in code.splitlines() if not l.lstrip().startswith(("!", "%")))).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not assigned_only:
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


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
    # Colab ships these; the check code also uses the standard library
    allowed = {"os", "time", "matplotlib", "numpy", "torch", "torchvision", "google", "math", "collections", "traceback"}
    for path in RELEASE.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for match in re.finditer(r"^\s*(?:import|from)\s+([\w]+)", "".join(cell["source"]), re.M):
                assert match.group(1) in allowed, f"{path.name} imports {match.group(1)}"


@pytest.fixture
def student_repo_set(monkeypatch):
    """pyproject.toml with colab_repo set to a real student repository."""
    settings = {**kit_settings(), "colab_repo": "lab-example/pytorch-b3"}
    for module in (publish, release):
        monkeypatch.setattr(module, "kit_settings", lambda: settings)
    return settings["colab_repo"]


def test_publish_refuses_the_placeholder_colab_repo(tmp_path):
    from autograder.settings import PLACEHOLDER_COLAB_REPO, UsageError

    assert kit_settings()["colab_repo"] == PLACEHOLDER_COLAB_REPO
    with pytest.raises(UsageError, match="colab_repo"):
        publish.main(dest=tmp_path / "student-repo")
    assert not (tmp_path / "student-repo").exists()


def test_publish_copies_only_the_student_part(tmp_path, student_repo_set):
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
    assert "Colab" in readme and student_repo_set in readme


def test_publish_refuses_the_kit_itself(student_repo_set):
    from autograder.settings import UsageError

    with pytest.raises(UsageError):
        publish.main(dest=REPO / "public")
