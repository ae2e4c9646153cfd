"""Hidden graders and batch grading for the lesson 1 CIFAR-10 exercises.

Pipeline, one subpackage per stage:
  collect/  submission folders -> one Submission per student
  extract/  notebooks -> definitions only (imports, defs, classes, constants)
  sandbox/  definitions -> untrusted child process -> artifacts (graphs, weights, probe results)
  graders/  artifacts -> hidden pytest checks, run in a trusted process
  report/   check results -> grades.csv, grades.json, feedback/*.html, report.html
"""
