"""The README's zip_collect recipe turns an LMS download into the layout the grader reads."""
import re
import shutil
import subprocess
import sys

from autograder.collect import find_submissions

from conftest import REPO

# The regexes the README gives (Canvas first, then Moodle), read from it so that the two never drift apart;
# nbgrader matches them against the absolute path of each file.
CANVAS, MOODLE = re.findall(r'named_regexp = r"([^"]+)"', (REPO / "README.md").read_text(encoding="utf-8"))


def collect(tmp_path, regexp: str, files: list[str]):
    course = tmp_path / "course"
    (course / "source" / "ex01").mkdir(parents=True)
    shutil.copy(REPO / "source" / "ex01" / "01_tutorial.ipynb", course / "source" / "ex01")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.ZipCollectApp.collector_plugin = 'nbgrader.plugins.FileNameCollectorPlugin'\n"
        f"c.FileNameCollectorPlugin.named_regexp = {regexp!r}\n")
    archive = course / "downloaded" / "ex01" / "archive"
    archive.mkdir(parents=True)
    for name in files:
        (archive / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "release" / "ex01" / "01_tutorial.ipynb", archive / name)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", "ex01", "--force"], cwd=course,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return find_submissions(course / "submitted")


def test_canvas_download_keeps_the_user_id(tmp_path):
    """Canvas: sortablename_[LATE_]userid_attachmentid_filename. Two students with one name stay two."""
    subs = collect(tmp_path, CANVAS, ["suzukitaro_1234_56789_01_tutorial.ipynb",
                                      "suzukitaro_LATE_2345_67890_01_tutorial.ipynb"])
    assert {s.student: [p.name for p in s.notebooks] for s in subs} == {
        "1234": ["01_tutorial.ipynb"], "2345": ["01_tutorial.ipynb"]}
    assert all(p.parent.name == "ex01" for s in subs for p in s.notebooks)


def test_moodle_download_keeps_the_participant_id(tmp_path):
    """Moodle: "Full Name_participantid_assignsubmission_file_filename", or, when downloaded in folders,
    "Full Name_participantid_assignsubmission_file_/filename". Two students with one name stay two."""
    subs = collect(tmp_path, MOODLE, ["Taro Suzuki_1234_assignsubmission_file_01_tutorial.ipynb",
                                      "Taro Suzuki_5678_assignsubmission_file_/01_tutorial.ipynb",
                                      "鈴木 太郎_9012_assignsubmission_file_01_tutorial.ipynb"])
    assert [(s.student, [p.name for p in s.notebooks]) for s in subs] == [
        ("1234", ["01_tutorial.ipynb"]), ("5678", ["01_tutorial.ipynb"]), ("9012", ["01_tutorial.ipynb"])]
    assert subs[0].notebooks[0].read_bytes() == (REPO / "release" / "ex01" / "01_tutorial.ipynb").read_bytes()
