"""Collecting submissions: links are never followed, odd files are refused with a reason, clashing ids are reported."""
import json
import os

from autograder.collect import find_submissions
from autograder.extract import extract

NB = json.dumps({"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [], "execution_count": None}],
                 "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def by_id(subs):
    return {s.student: s for s in subs}


def test_symlinks_to_files_and_folders_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "01_tutorial.ipynb").write_text(NB)
    sub = tmp_path / "sub"
    (sub / "alice").mkdir(parents=True)
    (sub / "alice" / "01_tutorial.ipynb").symlink_to(outside / "01_tutorial.ipynb")
    (sub / "alice" / "linked-folder").symlink_to(outside, target_is_directory=True)
    (sub / "bob").symlink_to(outside, target_is_directory=True)
    found = by_id(find_submissions(sub))
    assert found["alice"].notebooks == () and found["bob"].notebooks == ()
    assert any("シンボリックリンク" in n for n in found["alice"].notes)
    assert any("たどりませんでした" in n for n in found["alice"].notes)
    assert any("シンボリックリンク" in n for n in found["bob"].notes)


def test_hard_links_and_special_files_are_refused(tmp_path):
    sub = tmp_path / "sub"
    (sub / "carol").mkdir(parents=True)
    (tmp_path / "elsewhere.ipynb").write_text(NB)
    os.link(tmp_path / "elsewhere.ipynb", sub / "carol" / "01_tutorial.ipynb")
    (sub / "dave").mkdir()
    os.mkfifo(sub / "dave" / "02_gpu.ipynb")
    os.mkfifo(sub / "erin.ipynb")
    found = by_id(find_submissions(sub))
    assert found["carol"].notebooks == () and "ハードリンク" in " ".join(found["carol"].notes)
    assert found["dave"].notebooks == () and "通常のファイルではない" in " ".join(found["dave"].notes)
    assert found["erin"].notebooks == () and "通常のファイルではない" in " ".join(found["erin"].notes)


def test_a_file_swapped_for_a_link_after_collection_is_not_followed(tmp_path):
    sub = tmp_path / "sub"
    (sub / "frank").mkdir(parents=True)
    (sub / "frank" / "01_tutorial.ipynb").write_text(NB)
    (tmp_path / "secret.ipynb").write_text(NB.replace("x = 1", "secret = 2"))
    [s] = find_submissions(sub)
    (sub / "frank" / "01_tutorial.ipynb").unlink()
    (sub / "frank" / "01_tutorial.ipynb").symlink_to(tmp_path / "secret.ipynb")
    nb = extract(s).notebooks[0]
    assert nb.cells == [] and "シンボリックリンク" in " ".join(nb.notes)


def test_two_entries_with_one_id_are_both_graded_and_reported(tmp_path):
    sub = tmp_path / "sub"
    (sub / "grace").mkdir(parents=True)
    (sub / "grace" / "01_tutorial.ipynb").write_text(NB)
    (sub / "grace.ipynb").write_text(NB)
    subs = find_submissions(sub)
    assert [s.student for s in subs] == ["grace", "grace#2"]
    assert {len(s.notebooks) for s in subs} == {1}
    assert all("grace/, grace.ipynb" in " ".join(s.notes) for s in subs)


def test_names_with_any_bytes_become_printable_unique_ids(tmp_path):
    sub = tmp_path / "sub"
    for raw in (b"=SUM(A1)\x1b[31m\xff", b"=SUM(A1)\x1b[31m\xfe"):
        folder = sub / os.fsdecode(raw)
        folder.mkdir(parents=True)
        (folder / os.fsdecode(b"01_tutorial\xff.ipynb")).write_text(NB)
    subs = find_submissions(sub)
    ids = [s.student for s in subs]
    assert len(set(ids)) == 2 and all("\x1b" not in i and i.isprintable() for i in ids)
    assert all(len(s.notebooks) == 1 for s in subs)
    assert extract(subs[0]).notebooks[0].name.isprintable()
