"""Read the instructor masters in ``solutions/`` and turn them into nbgrader source notebooks.

A master is a jupytext MyST markdown notebook (it diffs like prose in review).
Exercise cells carry ``:grade_id:`` and ``:solution: true``; graded test cells
carry ``:grade_id:`` and ``:points:``. This module turns those two short options
into the metadata nbgrader expects, gives every cell a stable id, and refuses a
master whose cells break the conventions in CONTRIBUTING.md.
"""

import ast
import builtins
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


def without_hidden_tests(nb):
    """A copy of ``nb`` whose test cells keep only their visible part (what nbgrader and students get)."""
    nb = nbformat.from_dict(nb)
    pattern = re.compile(r"^[ \t]*" + re.escape(BEGIN_HIDDEN) + r".*?^[ \t]*" + re.escape(END_HIDDEN) + r"[^\n]*\n?",
                         flags=re.S | re.M)
    for cell in graded_cells(nb, "grade"):
        cell.source = pattern.sub("", cell.source).rstrip()  # as nbgrader's own ClearHiddenTests leaves it
    return nb


def _code(source):
    """A cell's Python code, with IPython magics and shell escapes blanked out."""
    return re.sub(r"^[ \t]*[%!].*$", "", source, flags=re.M)


def _top_level_names(source):
    names = set()
    for node in ast.parse(_code(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


def free_names(source):
    """Names a piece of code reads but never binds itself (nor are built-ins)."""
    tree = ast.parse(_code(source))
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return loaded - bound - set(dir(builtins))


def judge_bundle(chapter):
    """What the judge needs to grade ``chapter``: the tests' whole code and where their names come from.

    ``preamble``: the import statements of the master's first code cell, run in the judge
    before each test (so ``np`` or ``logic_gate`` are the judge's own, never the student's).
    ``tests``: grade_id -> {source: the visible and hidden code without markers, names: the
    names the test takes from the student's notebook, which the judge reaches through stand-ins}.
    """
    nb = read_master(chapter)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = ast.parse(_code(code[0].source))
    imports = [ast.get_source_segment(_code(code[0].source), node) for node in first.body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    preamble = "\n".join(imports) + "\n"
    from_preamble = _top_level_names(preamble)
    notebook_names = set()
    for cell in code:
        if not cell.metadata.get("nbgrader", {}).get("grade"):
            notebook_names |= _top_level_names(cell.source)
    tests = {}
    for cell in graded_cells(nb, "grade"):
        source = "\n".join(line for line in cell.source.splitlines() if line.strip() not in (BEGIN_HIDDEN, END_HIDDEN))
        names = free_names(source) - from_preamble
        unknown = names - notebook_names
        if unknown:
            raise MasterError(f"{chapter}, {cell.metadata.nbgrader['grade_id']}: the test uses {sorted(unknown)}, "
                              "which neither the first cell's imports nor the notebook define")
        tests[cell.metadata.nbgrader["grade_id"]] = {"source": source + "\n", "names": sorted(names)}
    return {"chapter": chapter, "preamble": preamble, "tests": tests}
