"""Read the instructor masters in ``solutions/`` and turn them into nbgrader source notebooks.

A master is a jupytext MyST markdown notebook (it diffs like prose in review).
Exercise cells carry ``:grade_id:`` and ``:solution: true``; graded test cells
carry ``:grade_id:`` and ``:points:``. This module turns those two short options
into the metadata nbgrader expects, gives every cell a stable id, and refuses a
master whose cells break the conventions in CONTRIBUTING.md.
"""

import pathlib
import re

import jupytext
import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
CHAPTERS = ROOT / "chapters"

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_SHORT_KEYS = ("grade_id", "solution", "points")


class MasterError(ValueError):
    """A master breaks the course's cell conventions."""


def chapter_ids():
    """The chapters, as the stems of ``solutions/*.md`` in order (e.g. ``01_perceptron``)."""
    return sorted(p.stem for p in SOLUTIONS.glob("[0-9][0-9]_*.md"))


def master_path(chapter):
    path = SOLUTIONS / f"{chapter}.md"
    if not path.is_file():
        raise MasterError(f"no master for chapter {chapter!r} (looked for {path}); known: {chapter_ids()}")
    return path


def _nbgrader_metadata(cell, where):
    """Replace the short options of one cell by nbgrader metadata; return its grade_id or None."""
    short = {key: cell.metadata.pop(key) for key in _SHORT_KEYS if key in cell.metadata}
    if not short:
        for marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if marker in cell.source:
                raise MasterError(f"{where}: holds {marker!r} but has no :grade_id: option")
        return None
    grade_id = short.get("grade_id")
    if cell.cell_type != "code" or not grade_id or not re.fullmatch(r"[A-Za-z0-9_]+", str(grade_id)):
        raise MasterError(f"{where}: a graded cell must be a code cell with a :grade_id: of letters, digits and _")
    if short.get("solution"):
        if "points" in short or not (BEGIN_SOLUTION in cell.source and END_SOLUTION in cell.source):
            raise MasterError(f"{where} ({grade_id}): an exercise needs the solution markers and no points")
        flags = {"solution": True, "grade": False, "locked": False}
    else:
        points = short.get("points")
        if not grade_id.startswith("test_") or not isinstance(points, (int, float)) or points <= 0:
            raise MasterError(f"{where} ({grade_id}): a test cell needs an id starting with test_ and :points: > 0")
        if BEGIN_SOLUTION in cell.source:
            raise MasterError(f"{where} ({grade_id}): a test cell must not hold a solution")
        flags = {"solution": False, "grade": True, "locked": True, "points": points}
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "schema_version": 3, "task": False, **flags}
    return grade_id


def read_master(chapter):
    """The nbgrader source notebook of ``chapter``, built from its master in memory."""
    path = master_path(chapter)
    nb = jupytext.read(path, fmt="md:myst")
    seen = set()
    for index, cell in enumerate(nb.cells):
        grade_id = _nbgrader_metadata(cell, f"{path.name}, cell {index}")
        if grade_id in seen:
            raise MasterError(f"{path.name}: grade_id {grade_id!r} is used twice")
        if grade_id:
            seen.add(grade_id)
        # Stable ids keep the committed student notebooks' diffs small.
        cell.id = grade_id or f"c{index:03d}"
    if not any(c.metadata.get("nbgrader", {}).get("grade") for c in nb.cells):
        raise MasterError(f"{path.name}: has no graded test cell")
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def graded_cells(nb, kind):
    """The cells of ``nb`` that nbgrader treats as ``kind`` ('solution' or 'grade'), in order."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get(kind)]


def solution_code(cell):
    """An exercise cell's code with its solution markers removed (what a perfect student writes)."""
    return "\n".join(line for line in cell.source.splitlines()
                     if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def marked_regions(text, begin, end):
    """The bodies between each ``begin``/``end`` marker pair in ``text``."""
    pattern = re.escape(begin) + r"\n(.*?)^[ \t]*" + re.escape(end)
    return re.findall(pattern, text, flags=re.S | re.M)
