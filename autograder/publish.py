"""`python -m autograder publish DEST`: copy the student-facing part into the student repository.

Only release/<assignment>/*.ipynb and a short Japanese README go out. The kit repository (solutions,
sources, hidden graders) stays private; DEST is the working tree of the public student repository.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.release import colab_url
from autograder.settings import ASSIGNMENT, PLACEHOLDER_COLAB_REPO, REPO, UsageError, kit_settings

README = """# PyTorch 演習 (第1回)

Google Colab で開いて、上から順に実行してください。`# TODO` の所を埋めると、すぐ下の「チェック」セルが確認してくれます。

| ノートブック | 内容 |
|---|---|
{rows}

## 進め方

1. 上の表のリンクから Colab で開き、「ドライブにコピーを保存」で自分の Drive に保存する
2. 「ランタイム → ランタイムのタイプを変更」で GPU を選ぶ (02 以降)
3. `# TODO` を埋めて、チェックのセルが OK になるまで直す
4. 「ファイル → ダウンロード → .ipynb をダウンロード」で保存し、指示された方法で提出する

関数名・クラス名 (`Net`, `get_device`, `train_one_epoch`, `evaluate`, `fit`, `BNNet`, `VGG11`) は採点に使うので変えないでください。
"""

TITLES = {
    "01_tutorial": "CIFAR-10 の画像分類をひととおり動かす",
    "02_gpu": "GPU で学習する",
    "03_batchnorm": "padding と Batch Normalization",
    "04_vgg11": "VGG11 を完成させる",
}


def main(*, dest: Path, course_dir: Path = REPO, assignment: str = ASSIGNMENT) -> list[Path]:
    """Replace dest/<assignment>/ and dest/README.md; leave everything else in dest (e.g. .git) alone."""
    if kit_settings()["colab_repo"] == PLACEHOLDER_COLAB_REPO:
        raise UsageError(f"set [tool.kit] colab_repo in pyproject.toml to the student repository "
                         f"(still the placeholder {PLACEHOLDER_COLAB_REPO}): the Colab links would lead nowhere")
    dest = Path(dest).resolve()
    if dest == course_dir.resolve() or dest.is_relative_to(course_dir.resolve()):
        raise UsageError("publish into a separate folder (the student repository), not into the kit")
    notebooks = sorted((course_dir / "release" / assignment).glob("*.ipynb"))
    if not notebooks:
        raise UsageError(f"no release notebooks in release/{assignment}: run `python -m autograder release`")
    target = dest / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for nb in notebooks:
        shutil.copy(nb, target / nb.name)
    rows = "\n".join(f"| [{nb.name}]({colab_url(assignment, nb.name)}) | {TITLES.get(nb.stem, '')} |" for nb in notebooks)
    (dest / "README.md").write_text(README.format(rows=rows), encoding="utf-8")
    return sorted(p for p in dest.rglob("*") if p.is_file() and ".git" not in p.parts)
