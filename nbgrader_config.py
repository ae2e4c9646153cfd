# nbgrader settings for this course directory (the repository root).
# Declarative only: `python -m autograder release` runs nbgrader with these settings.
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "b3-pytorch-lesson1"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.ClearSolutions.code_stub = {
    "python": '# ここにコードを書く\nraise NotImplementedError("TODO: ここを実装してください")',
}
c.ClearSolutions.text_stub = "ここに答えを書いてください。"
