"""Classic student bugs per chapter, and the graded tests that must catch each.

Each chapter ``NN_topic`` has a module ``autograder/mutants/topic.py`` with a list
``MUTANTS`` and one ``UNFINISHED`` student. A mutant edits one reference solution
by an exact text replacement. The test suite builds a submission from each,
autogrades it, and checks that exactly the listed test cells fail; the sample
class (``python -m autograder sample-class``) is built from the same lists.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str  # becomes the student id in the sample class
    description: str
    cell: str  # grade_id of the solution cell to edit
    old: str  # exact text in that cell's solution ...
    new: str  # ... and what replaces it
    fails: frozenset  # grade_ids of the test cells that must fail


@dataclass(frozen=True)
class Unfinished:
    """A student who left some exercises as stubs."""

    name: str
    stubs: frozenset  # grade_ids of the solution cells left untouched
    fails: frozenset  # grade_ids of the test cells that must fail


def for_chapter(chapter):
    """The module of ``chapter`` (e.g. ``01_perceptron`` -> ``autograder.mutants.perceptron``)."""
    return importlib.import_module(f"autograder.mutants.{chapter.split('_', 1)[1]}")
