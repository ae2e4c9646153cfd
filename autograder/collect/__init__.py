"""Stage 1: find each student's notebooks in a submission folder."""
from autograder.collect.find_submissions import Submission, find_submissions, submission_in

__all__ = ["Submission", "find_submissions", "submission_in"]
