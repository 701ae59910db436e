"""Build a class of submissions for a chapter from its master: right, unfinished, buggy, noisy, broken.

The same class serves the README's grading walk-through and the end-to-end tests,
which know each student's expected result from :func:`expected_failures`.
"""

import json
import pathlib
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


def submission(chapter, stubs=(), mutant=None, warn=False):
    """The student notebook of ``chapter`` with every exercise solved, except ``stubs`` (left as released).

    ``mutant`` (a :class:`~autograder.mutants.Mutant`) plants its bug; ``warn`` makes the
    first exercise emit a warning when called.
    """
    solutions = {c.metadata.nbgrader["grade_id"]: c for c in graded_cells(read_master(chapter), "solution")}
    nb = student_version(chapter)
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


def expected_failures(chapter):
    """Student id -> the set of test ids that must fail, or None when the file cannot be graded."""
    tests = frozenset(c.metadata.nbgrader["grade_id"] for c in graded_cells(read_master(chapter), "grade"))
    bugs = for_chapter(chapter)
    expected = {PERFECT: frozenset(), WARNS: frozenset(), CORRUPT: None, "untouched": tests,
                bugs.UNFINISHED.name: bugs.UNFINISHED.fails}
    expected.update({m.name: m.fails for m in bugs.MUTANTS})
    return expected


def build(chapter, out):
    """Write the sample class of ``chapter`` as an LMS-style zip (``<student>_<chapter>.ipynb`` each)."""
    bugs = for_chapter(chapter)
    notebooks = {PERFECT: submission(chapter), WARNS: submission(chapter, warn=True),
                 "untouched": student_version(chapter),
                 bugs.UNFINISHED.name: submission(chapter, stubs=bugs.UNFINISHED.stubs)}
    for mutant in bugs.MUTANTS:
        notebooks[mutant.name] = submission(chapter, mutant=mutant)
    out = pathlib.Path(out)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for sid, nb in notebooks.items():
            archive.writestr(f"{sid}_{chapter}.ipynb", nbformat.writes(nb))
        # A notebook cut off mid-upload: valid JSON up to a point, then nothing.
        archive.writestr(f"{CORRUPT}_{chapter}.ipynb", json.dumps(nbformat.v4.new_notebook())[:25])
    return out
