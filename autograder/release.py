"""Release the student notebooks: master -> nbgrader source -> student version with real outputs.

``release(chapter)`` does, for one chapter:

1. build the nbgrader source notebook from ``solutions/<chapter>.md``;
2. run ``nbgrader generate_assignment`` on it in a scratch course directory, which
   replaces solutions by stubs, drops hidden tests and clears every output;
3. execute the source notebook (reference solutions in place, full-size demos) and
   copy the outputs of every cell that is neither an exercise nor a test into the
   student version, so readers see the real figures and results;
4. add the cells every student notebook has (how to work on it, the Colab install cell, a
   last cell that runs every visible test), name the function in each stub's error, and
   write ``chapters/<chapter>.ipynb`` and the visible tests for ``groundup.check_all``.
"""

import contextlib
import json
import os
import pathlib
import re
import sys
import tempfile

import nbformat
import yaml
from nbclient import NotebookClient
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder.masters import CHAPTERS, ROOT, graded_cells, judge_bundle, read_master, without_hidden_tests
from groundup.checks import VISIBLE_TESTS

CONFIG_FILE = ROOT / "autograder" / "nbgrader_config.py"


def nbgrader_api(course_root, timeout=None, judge_bundle=None, limits=None):
    """An nbgrader API object using the course's config, working in ``course_root``.

    ``timeout`` (seconds) overrides the per-cell limit of the config while grading;
    ``judge_bundle`` is the JSON file of the chapter's tests for the judge, and ``limits``
    a dict of :class:`autograder.execute.JudgedExecute` settings (memory_mb, ...).
    """
    # nbgrader runs the `alembic` command from PATH; a venv used without activation lacks it.
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    config.CourseDirectory.root = str(course_root)
    if timeout:
        config.Execute.timeout = timeout
    if judge_bundle:
        config.JudgedExecute.bundle_file = str(judge_bundle)
    for key, value in (limits or {}).items():
        setattr(config.JudgedExecute, key, value)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


@contextlib.contextmanager
def course_environment(quick):
    """Make the course importable in kernels and choose full-size or quick demos."""
    saved = dict(os.environ)
    paths = [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ.pop("NBGRADER_EXECUTION", None)
    if quick:
        os.environ["GROUNDUP_QUICK"] = "1"
    else:
        os.environ.pop("GROUNDUP_QUICK", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def generate_assignment(api, chapter):
    """Write the source notebook of ``chapter`` into the API's course directory and generate its release."""
    course = pathlib.Path(api.coursedir.root)
    source = course / "source" / chapter / f"{chapter}.ipynb"
    source.parent.mkdir(parents=True, exist_ok=True)
    # Hidden tests never enter nbgrader: not its source folder, not its gradebook. The judge has them.
    nbformat.write(without_hidden_tests(read_master(chapter)), source)
    result = api.generate_assignment(chapter, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment failed for {chapter}:\n{result.get('error') or result.get('log')}")
    return course / "release" / chapter / f"{chapter}.ipynb"


SETUP_CELL_ID = "setup-groundup"
HOW_TO_CELL_ID = "how-to-work"
CHECK_CELL_IDS = ("check-your-work", "check-all")
# Cells that release adds to every student notebook: the website hides them (remove-cell),
# the downloaded notebook keeps them.
RELEASE_CELL_IDS = (SETUP_CELL_ID, HOW_TO_CELL_ID, *CHECK_CELL_IDS)
HIDE_ON_SITE = {"tags": ["remove-cell"]}


def repository_url():
    """The course repository: the one setting behind the launch buttons and the Colab install cell."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def setup_cell():
    """The first code cell of every student notebook: installs ``groundup`` where it is missing (Colab)."""
    source = (
        "# Make the course's helper library importable. Where the course is installed\n"
        "# (make lab, Binder, JupyterHub) this does nothing; on Colab it installs it first.\n"
        "try:\n"
        "    import groundup\n"
        "except ImportError:\n"
        f'    %pip install --quiet "groundup @ git+{repository_url()}"\n'
        "    import groundup"
    )
    return nbformat.v4.new_code_cell(source, id=SETUP_CELL_ID, metadata=HIDE_ON_SITE)


def how_to_cell(chapter):
    """The note at the top of every student notebook: how to work on it and hand it in."""
    text = f"""\
> **How to work on this notebook**
>
> 1. Work on your own copy: `make lab` makes one in `work/`; on Colab, *File > Save a copy in Drive*.
> 2. Each **Graded exercise** is a function whose body raises `NotImplementedError`. Replace that
>    line with your code. The cell after it checks your work and prints a line starting with ✓
>    when every check passes.
> 3. Before you hand it in, run the notebook from top to bottom (*Kernel > Restart Kernel and Run
>    All Cells*), then press **Validate** in the toolbar. On Colab, which has no Validate button,
>    run the last cell, `groundup.check_all("{chapter}")`, instead.
> 4. Save, and hand in this `.ipynb` file, named as your instructor asks (for example
>    `yourid_{chapter}.ipynb`).
>
> The visible checks catch common mistakes. Grading also runs hidden tests, on random and
> edge-case inputs."""
    return nbformat.v4.new_markdown_cell(text, id=HOW_TO_CELL_ID, metadata=HIDE_ON_SITE)


def check_cells(chapter):
    """The last two cells of every student notebook: every visible test at once, for Colab."""
    text = ("## Check your work\n\n"
            "Run every visible test at once and see a table of what passes. In JupyterLab the "
            "**Validate** button does the same for the whole notebook.")
    return [nbformat.v4.new_markdown_cell(text, id=CHECK_CELL_IDS[0], metadata=HIDE_ON_SITE),
            nbformat.v4.new_code_cell(f'groundup.check_all("{chapter}")', id=CHECK_CELL_IDS[1],
                                      metadata=HIDE_ON_SITE)]


_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
_CLASS = re.compile(r"^(\s*)class\s+(\w+)")
_ADDED_TO = re.compile(r"^@add_to_class\((\w+)\)")


def name_stubs(cell):
    """Make each stub's ``NotImplementedError`` name the function (or method) to write."""
    lines = cell.source.split("\n")
    for i, line in enumerate(lines):
        if line.strip() != "raise NotImplementedError()":
            continue
        indent = len(line) - len(line.lstrip())
        name, level = cell.metadata.nbgrader["grade_id"], indent
        for j in range(i - 1, -1, -1):
            match = _DEF.match(lines[j]) or _CLASS.match(lines[j])
            if match and len(match.group(1)) < level:
                name = match.group(2) if level == indent else f"{match.group(2)}.{name}"
                level = len(match.group(1))
                # A method added after its class is defined (chapter 9): @add_to_class(Block)
                added = _ADDED_TO.match(lines[j - 1]) if j and level == 0 else None
                if added:
                    name = f"{added.group(1)}.{name}"
        lines[i] = line.replace("NotImplementedError()", f'NotImplementedError("{name}: your code here")')
    # The checksum stays nbgrader's own, as in its gradebook: it checks checksums of locked cells only.
    cell.source = "\n".join(lines)


def student_version(chapter):
    """The student notebook of ``chapter`` without outputs (stubs in place, hidden tests gone)."""
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.read(generate_assignment(nbgrader_api(tmp), chapter), as_version=4)
    for cell in graded_cells(nb, "solution"):
        name_stubs(cell)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells[first_code:first_code] = [how_to_cell(chapter), setup_cell()]
    nb.cells.extend(check_cells(chapter))
    return nb


def visible_tests(nb):
    """The visible tests of a student notebook, as ``groundup.check_all`` runs them."""
    return [{"grade_id": c.metadata.nbgrader["grade_id"], "points": c.metadata.nbgrader["points"],
             "source": c.source} for c in graded_cells(nb, "grade")]


def write_visible_tests():
    """Write ``groundup/visible_tests.json`` from the notebooks in ``chapters/``."""
    tests = {p.stem: visible_tests(nbformat.read(p, as_version=4)) for p in sorted(CHAPTERS.glob("*.ipynb"))}
    VISIBLE_TESTS.write_text(json.dumps(tests, indent=1, ensure_ascii=False) + "\n")
    return VISIBLE_TESTS


def execute(nb, timeout=1800, quick=False):
    """Run a notebook top to bottom in a fresh kernel; any error stops it (a master must not fail)."""
    with tempfile.TemporaryDirectory() as cwd, course_environment(quick):
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": cwd}}).execute()
    return nb


def _is_graded(cell):
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def with_reference_outputs(student, executed):
    """Copy outputs from the executed source into the student notebook, except on exercise and test cells."""
    ran_by_id = {c.id: c for c in executed.cells}
    ours = [c.id for c in student.cells if c.id not in RELEASE_CELL_IDS]
    if ours != [c.id for c in executed.cells]:
        raise RuntimeError("the student version and the executed source no longer have the same cells")
    for mine in student.cells:
        if mine.cell_type != "code" or mine.id in RELEASE_CELL_IDS:
            continue
        ran = ran_by_id[mine.id]
        keep = not _is_graded(mine)
        mine.outputs = ran.outputs if keep else []
        mine.execution_count = ran.execution_count if keep else None
        mine.metadata.pop("execution", None)
    return student


def release(chapter, run=True):
    """Write ``chapters/<chapter>.ipynb``; with ``run``, fill it with a reference run's outputs."""
    student = student_version(chapter)
    if run:
        student = with_reference_outputs(student, execute(without_hidden_tests(read_master(chapter))))
    CHAPTERS.mkdir(exist_ok=True)
    path = CHAPTERS / f"{chapter}.ipynb"
    nbformat.write(student, path)
    write_visible_tests()
    return path


def validate(nb, invert=False):
    """Run ``nb`` with nbgrader's validator (as the Validate button does); return its results dict.

    This runs the visible tests only, in the notebook's own kernel, as a student's
    Validate does. With ``invert=False`` the dict is empty when every graded test
    passes; with ``invert=True`` it is empty when every graded test fails.
    """
    from nbgrader.validator import Validator

    with tempfile.TemporaryDirectory() as tmp, course_environment(quick=True):
        path = pathlib.Path(tmp) / "notebook.ipynb"
        nbformat.write(nb, path)
        validator = Validator(invert=invert, ignore_checksums=True)
        return validator.validate(str(path))


def judge(chapter, nb, timeout=120):
    """Run ``nb`` sandboxed and judge every test of ``chapter`` (visible and hidden), as grading does.

    Returns grade_id -> '' for a passed test, else the one-line reason it failed.
    """
    from autograder.execute import JudgedExecute

    executor = JudgedExecute(bundle=judge_bundle(chapter), timeout=timeout)
    executor.log.setLevel("ERROR")
    ran, _ = executor.preprocess(without_hidden_tests(nb), {"metadata": {"path": str(ROOT)}})
    verdicts = {}
    for cell in graded_cells(ran, "grade"):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        verdicts[cell.metadata.nbgrader["grade_id"]] = f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
    return verdicts
