"""Release the student notebooks: master -> nbgrader source -> student version with real outputs.

``release(chapter)`` does, for one chapter:

1. build the nbgrader source notebook from ``solutions/<chapter>.md``;
2. run ``nbgrader generate_assignment`` on it in a scratch course directory, which
   replaces solutions by stubs, drops hidden tests and clears every output;
3. execute the source notebook (reference solutions in place, full-size demos) and
   copy the outputs of every cell that is neither an exercise nor a test into the
   student version, so readers see the real figures and results;
4. write ``chapters/<chapter>.ipynb``.
"""

import contextlib
import os
import pathlib
import sys
import tempfile

import nbformat
import yaml
from nbclient import NotebookClient
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder.masters import CHAPTERS, ROOT, graded_cells, judge_bundle, read_master, without_hidden_tests

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


def setup_cell():
    """The first code cell of every student notebook: installs ``groundup`` where it is missing (Colab)."""
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    source = (
        "# Make the course's helper library importable. Where the course is installed\n"
        "# (make lab, Binder, JupyterHub) this does nothing; on Colab it installs it first.\n"
        "try:\n"
        "    import groundup\n"
        "except ImportError:\n"
        f'    %pip install --quiet "groundup @ git+{url}"\n'
        "    import groundup"
    )
    # The website hides it (remove-cell); the downloaded notebook keeps it.
    return nbformat.v4.new_code_cell(source, id=SETUP_CELL_ID, metadata={"tags": ["remove-cell"]})


def student_version(chapter):
    """The student notebook of ``chapter`` without outputs (stubs in place, hidden tests gone)."""
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.read(generate_assignment(nbgrader_api(tmp), chapter), as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code, setup_cell())
    return nb


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
    ours = [c.id for c in student.cells if c.id != SETUP_CELL_ID]
    if ours != [c.id for c in executed.cells]:
        raise RuntimeError("the student version and the executed source no longer have the same cells")
    for mine in student.cells:
        if mine.cell_type != "code" or mine.id == SETUP_CELL_ID:
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
