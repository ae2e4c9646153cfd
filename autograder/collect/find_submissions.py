"""Find every student's notebooks, in nbgrader's layout or a folder per student.

Only plain files are read. Symbolic links (to files or folders) are never followed, hard links and
special files (pipes, sockets, devices) are refused, and each refusal becomes a note for that
student. Two entries that map to one student id are both graded, under distinct ids, and reported.
"""
from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.text import NAME_LIMIT, clean_text

MAX_NOTEBOOKS = 50
"""Notebooks read per student; more are refused with a note."""
MAX_DEPTH = 6
"""Folder levels below the student's folder that are searched."""
MAX_ENTRIES = 10_000
"""Files and folders looked at per student; a folder with more is searched no further."""


@dataclass(frozen=True)
class Submission:
    """One student's hand-in."""

    student: str
    """Student id: the folder name (or a loose notebook's file stem), printable and unique in the batch."""
    notebooks: tuple[Path, ...] = field(default_factory=tuple)
    """Every plain .ipynb file found for the student, sorted by path; may be empty."""
    notes: tuple[str, ...] = ()
    """Japanese remarks on what was refused or ambiguous (links, special files, clashing ids)."""


def refusal(path: Path, st: os.stat_result) -> str | None:
    """Why path (lstat st) is not read, or None for a plain file with one name."""
    shown = clean_text(path.name, NAME_LIMIT)
    if stat.S_ISLNK(st.st_mode):
        return f"{shown} はシンボリックリンクなので読みませんでした。ファイルそのものを提出してください。"
    if not stat.S_ISREG(st.st_mode):
        return f"{shown} は通常のファイルではないので読みませんでした。"
    if st.st_nlink > 1:
        return f"{shown} はハードリンクなので読みませんでした。ファイルをコピーして提出してください。"
    return None


def _notebooks_below(folder: Path) -> tuple[tuple[Path, ...], list[str]]:
    found, notes, seen = [], [], 0
    for top, dirs, files in os.walk(folder):  # never descends into symlinked folders
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            notes.append(f"提出フォルダのファイルが多すぎるため ({MAX_ENTRIES:,} 個まで)、途中までしか探しませんでした。")
            break
        depth = len(Path(top).relative_to(folder).parts)
        for d in list(dirs):
            if os.path.islink(os.path.join(top, d)):
                notes.append(f"{clean_text(d, NAME_LIMIT)} はフォルダへのシンボリックリンクなのでたどりませんでした。")
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and not os.path.islink(os.path.join(top, d))
                         and depth < MAX_DEPTH)
        for name in sorted(files):
            if not name.lower().endswith(".ipynb"):
                continue
            path = Path(top) / name
            why = refusal(path, path.lstat())
            if why:
                notes.append(why)
            else:
                found.append(path)
    found.sort()
    if len(found) > MAX_NOTEBOOKS:
        notes.append(f"ノートブックが多すぎます ({len(found)} 個)。最初の {MAX_NOTEBOOKS} 個だけを読みました。")
        found = found[:MAX_NOTEBOOKS]
    return tuple(found), notes


def submission_in(folder: Path, student: str) -> Submission:
    """One student's folder (Gradescope's /autograder/submission): every plain notebook below it."""
    if not folder.is_dir() or folder.is_symlink():
        raise NotADirectoryError(f"submission folder not found: {folder}")
    notebooks, notes = _notebooks_below(folder)
    return Submission(student, notebooks, tuple(notes))


def find_submissions(submitted: Path) -> list[Submission]:
    """SUBMITTED/<student>/[<assignment>/]*.ipynb, plus loose SUBMITTED/*.ipynb as their own students.

    Raises NotADirectoryError when submitted is not a folder.
    """
    if not submitted.is_dir():
        raise NotADirectoryError(f"submission folder not found: {submitted}")
    raw: list[tuple[str, str, tuple[Path, ...], list[str]]] = []  # (id, entry shown, notebooks, notes)
    for entry in sorted(submitted.iterdir()):
        if entry.name.startswith("."):
            continue
        st = entry.lstat()
        is_notebook = entry.name.lower().endswith(".ipynb")
        if stat.S_ISDIR(st.st_mode):
            notebooks, notes = _notebooks_below(entry)
            raw.append((entry.name, entry.name + "/", notebooks, notes))
        elif stat.S_ISLNK(st.st_mode) or is_notebook:
            student = entry.name[: -len(".ipynb")] if is_notebook else entry.name
            why = refusal(entry, st)
            raw.append((student, entry.name, () if why else (entry,), [why] if why else []))
    return _unique_ids(raw)


def _unique_ids(raw) -> list[Submission]:
    """Printable ids; entries whose ids clash get '#2', '#3', ... and a note naming every entry."""
    ids = [clean_text(student, NAME_LIMIT) or "_" for student, *_ in raw]
    counts = Counter(ids)
    seen: Counter = Counter()
    subs = []
    for student, (_, shown, notebooks, notes) in zip(ids, raw):
        seen[student] += 1
        if counts[student] > 1:
            entries = ", ".join(clean_text(s, NAME_LIMIT) for i, (_, s, _, _) in zip(ids, raw) if i == student)
            notes = [*notes, f"同じ学生 ID「{student}」の提出が複数あります ({entries})。混ぜずに別々に採点しました。"]
            student = student if seen[student] == 1 else f"{student}#{seen[student]}"
        subs.append(Submission(student, notebooks, tuple(notes)))
    return subs
