"""The README's zip_collect recipe turns an LMS download into the layout the grader reads."""
import shutil
import subprocess
import sys

from autograder.collect import find_submissions

from conftest import REPO

# The regexes the README gives; nbgrader matches them against the absolute path of each file.
CANVAS = r".*/(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+\.ipynb)$"
MOODLE = r".*/(?P<student_id>[^/_]+)_\d+_assignsubmission_file_(?P<file_id>[^/]+\.ipynb)$"


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
        shutil.copy(REPO / "release" / "ex01" / "01_tutorial.ipynb", archive / name)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", "ex01", "--force"], cwd=course,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return find_submissions(course / "submitted")


def test_canvas_download(tmp_path):
    subs = collect(tmp_path, CANVAS, ["suzukitaro_1234_56789_01_tutorial.ipynb",
                                      "satohanako_LATE_2345_67890_01_tutorial.ipynb"])
    assert {s.student: [p.name for p in s.notebooks] for s in subs} == {
        "suzukitaro": ["01_tutorial.ipynb"], "satohanako": ["01_tutorial.ipynb"]}
    assert all(p.parent.name == "ex01" for s in subs for p in s.notebooks)


def test_moodle_download(tmp_path):
    subs = collect(tmp_path, MOODLE, ["Taro Suzuki_1234_assignsubmission_file_01_tutorial.ipynb"])
    assert [(s.student, [p.name for p in s.notebooks]) for s in subs] == [("Taro Suzuki", ["01_tutorial.ipynb"])]
    assert subs[0].notebooks[0].read_bytes() == (REPO / "release" / "ex01" / "01_tutorial.ipynb").read_bytes()
