"""Build a class of submissions for a chapter from its master: right, unfinished, buggy, noisy, broken.

The same class serves the README's grading walk-through and the end-to-end tests,
which know each student's expected result from what :func:`build` returns.
"""

import copy
import functools
import json
import zipfile

import nbformat

from autograder.masters import BEGIN_SOLUTION, graded_cells, read_master, solution_code
from autograder.mutants import for_chapter
from autograder.release import student_version

PERFECT, WARNS, CORRUPT = "ada", "linus", "corrupt"


def _with_warning(code):
    """Correct code that also emits a UserWarning each time the function runs."""
    lines = []
    for line in code.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}import warnings")
            lines.append(f'{indent}warnings.warn("this could be vectorised further", UserWarning)')
        lines.append(line)
    return solution_code(nbformat.v4.new_code_cell("\n".join(lines)))


@functools.lru_cache(maxsize=None)
def _solutions_and_student_version(chapter):
    """The master's exercise cells by grade_id, and the released notebook (built once per chapter)."""
    solutions = {c.metadata.nbgrader["grade_id"]: c for c in graded_cells(read_master(chapter), "solution")}
    return solutions, student_version(chapter)


def submission(chapter, stubs=(), mutant=None, warn=False):
    """The student notebook of ``chapter`` with every exercise solved, except ``stubs`` (left as released).

    ``mutant`` (a :class:`~autograder.mutants.Mutant`) plants its bug; ``warn`` makes the
    first exercise emit a warning when called.
    """
    solutions, nb = _solutions_and_student_version(chapter)
    nb = copy.deepcopy(nb)
    first = True
    for cell in graded_cells(nb, "solution"):
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id in stubs:
            continue
        master = solutions[grade_id]
        cell.source = _with_warning(master.source) if (warn and first) else solution_code(master)
        first = False
        if mutant is not None and mutant.cell == grade_id:
            if mutant.old not in cell.source:
                raise ValueError(f"mutant {mutant.name}: {mutant.old!r} is not in the solution of {grade_id}")
            cell.source = cell.source.replace(mutant.old, mutant.new, 1)
    return nb


def students(chapter, bugs=None):
    """Student id -> (notebook text, test ids that must fail or None if ungradable) for the sample class.

    ``bugs`` limits how many of the chapter's mutants join the class (default: all).
    """
    tests = frozenset(c.metadata.nbgrader["grade_id"] for c in graded_cells(read_master(chapter), "grade"))
    module = for_chapter(chapter)
    unfinished = module.UNFINISHED
    # A notebook cut off mid-upload: valid JSON up to a point, then nothing.
    truncated = json.dumps(nbformat.v4.new_notebook())[:25]
    out = {
        PERFECT: (submission(chapter), frozenset()),
        WARNS: (submission(chapter, warn=True), frozenset()),
        "untouched": (submission(chapter, stubs=frozenset(exercise_ids(chapter))), tests),
        unfinished.name: (submission(chapter, stubs=unfinished.stubs), unfinished.fails),
        CORRUPT: (truncated, None),
    }
    for mutant in module.MUTANTS[:bugs]:
        out[mutant.name] = (submission(chapter, mutant=mutant), mutant.fails)
    return {sid: (nb if isinstance(nb, str) else nbformat.writes(nb), fails) for sid, (nb, fails) in out.items()}


def exercise_ids(chapter):
    """The grade_ids of the exercise cells of ``chapter``."""
    return [c.metadata.nbgrader["grade_id"] for c in graded_cells(read_master(chapter), "solution")]


def build(chapter, out, bugs=None):
    """Write the sample class of ``chapter`` as an LMS-style zip (``<student>_<chapter>.ipynb`` each).

    Returns student id -> the test ids that must fail (None for a file that cannot be graded).
    """
    expected = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sid, (text, fails) in students(chapter, bugs).items():
            archive.writestr(f"{sid}_{chapter}.ipynb", text)
            expected[sid] = fails
    return expected
