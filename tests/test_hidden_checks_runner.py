"""The hidden-check runner grades only tests marked as checks: anything else in autograder/graders/ stops it."""
import subprocess
import sys

from autograder.graders.plugin import all_checks

from conftest import copy_checkout


def test_every_shipped_grader_test_is_a_marked_check():
    ids = [cid for cid, _, _ in all_checks()]  # raises UnmarkedTest otherwise
    assert len(ids) == len(set(ids)) == 22


def test_a_planted_unmarked_test_stops_grading_with_one_line(tmp_path):
    kit = copy_checkout(tmp_path / "kit")
    with open(kit / "autograder" / "graders" / "test_1_net.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef test_free_points():\n    pass\n")
    (tmp_path / "submitted" / "alice").mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "submitted"),
                           "--out", str(tmp_path / "out")], cwd=kit, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no check marker" in lines[0] and "test_free_points" in lines[0]
    assert not (tmp_path / "out" / "grades.csv").exists()
