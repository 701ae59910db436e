"""Instructor side of the course: releasing chapters, PyTorch references, hidden-test helpers and grading.

Nothing in this package is given to students. Run ``python -m autograder --help``.
"""
