"""Instructor side of the course: releasing chapters, PyTorch references, hidden-test helpers and grading.

Nothing in this package is given to students. Run ``python -m autograder --help``.
"""


def grade_notebook(chapter, path, **options):
    """Grade one notebook: a JSON-serializable dict with score, max_score, each test's result and any problem.

    See :func:`autograder.grading.grade_notebook`.
    """
    from autograder.grading import grade_notebook as _grade_notebook

    return _grade_notebook(chapter, path, **options)
