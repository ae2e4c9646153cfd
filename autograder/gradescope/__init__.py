"""Gradescope: `python -m autograder gradescope --out autograder.zip` builds the bundle (build.py);
inside Gradescope's container, `run_autograder` grades the one submission with run.py."""
