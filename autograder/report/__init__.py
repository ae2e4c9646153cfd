"""Stage 5: grades and feedback. Written only after every child has finished, by the trusted process."""
from autograder.report.write_feedback import write_feedback
from autograder.report.write_grades import write_grades
from autograder.report.write_report import write_report

__all__ = ["write_feedback", "write_grades", "write_report"]
