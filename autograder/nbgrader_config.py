"""nbgrader configuration for the course (loaded by ``python -m autograder``).

The course directory nbgrader works in (source/, release/, submitted/,
autograded/, feedback/, gradebook.db) is ``grading/`` at the course root; it is
git-ignored because the gradebook holds the hidden tests and student data.
To use nbgrader's own commands, run them from ``grading/`` with this file copied
or linked there.
"""
import os

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

c.CourseDirectory.course_id = "groundup"
c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "grading")

# What a student receives in place of each solution body.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Grading must survive an infinite loop: each cell gets a time limit, after which the
# kernel is interrupted, the cell fails, and the rest of the notebook still runs.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# nbgrader zeroes a test cell that wrote anything to stderr. A Python warning from
# otherwise correct code must not cost points, so warnings are dropped before scoring.
# (Test cells are judged outside the student's kernel, so this guards ordinary cells' output.)
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w*Warning: "

# The student's notebook runs sandboxed and its tests are judged outside it (autograder/execute.py):
# the same pipeline as nbgrader's own, with JudgedExecute in place of Execute.
c.Autograde.autograde_preprocessors = [
    "autograder.execute.JudgedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A student who deleted a test cell gets it back (and its points at stake).
c.OverwriteCells.add_missing_cells = True

# A student's HTML, scripts and raw markup are shown as text in feedback pages, never run in the
# browser of whoever opens them.
c.HTMLExporter.sanitize_html = True

# Feedback shows names, points, results and messages, never hidden test code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.RedactHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
