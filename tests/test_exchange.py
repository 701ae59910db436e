"""The README's JupyterHub route, end to end with nbgrader's own commands on a local exchange:
the instructor releases a chapter, a student fetches it, solves it and submits it, the
instructor collects the class and grades it with ``python -m autograder grade``.
"""

import json
import os
import shutil
import subprocess
import sys

import nbformat

from autograder import masters
from conftest import ROOT

CHAPTER = "01_perceptron"
COURSE_ID = "dl101"
NBGRADER = [sys.executable, "-m", "nbgrader"]


def _nbgrader(*args, cwd, env):
    done = subprocess.run([*NBGRADER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_release_fetch_submit_collect_grade(tmp_path):
    exchange, course, ada = tmp_path / "exchange", tmp_path / "course", tmp_path / "ada"
    for folder in (exchange, course, ada):
        folder.mkdir()
    # As the README says: with the venv activated (nbgrader runs `alembic` from PATH).
    base = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    base["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), base.get("PATH", "")])

    # Instructor: a course folder holding the released notebook, and its nbgrader config (README).
    (course / "release" / CHAPTER).mkdir(parents=True)
    shutil.copy(ROOT / "chapters" / f"{CHAPTER}.ipynb", course / "release" / CHAPTER)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n")
    teacher = base
    _nbgrader("release_assignment", CHAPTER, cwd=course, env=teacher)

    # Student: the configuration `python -m groundup.lab --course-id` writes for a hub's students.
    config = tmp_path / "ada-config"
    subprocess.run([sys.executable, "-m", "groundup.lab", "--config-only", str(config), "--course-id", COURSE_ID,
                    "--exchange", str(exchange)], check=True, capture_output=True)
    student = dict(base, JUPYTER_CONFIG_PATH=str(config))
    listed = _nbgrader("list", cwd=ada, env=student)
    assert CHAPTER in listed, listed
    _nbgrader("fetch_assignment", CHAPTER, cwd=ada, env=student)
    fetched = ada / CHAPTER / f"{CHAPTER}.ipynb"
    nb = nbformat.read(fetched, as_version=4)
    solutions = {c.metadata.nbgrader["grade_id"]: c for c in masters.graded_cells(masters.read_master(CHAPTER), "solution")}
    for cell in masters.graded_cells(nb, "solution"):
        cell.source = masters.solution_code(solutions[cell.metadata.nbgrader["grade_id"]])
    nbformat.write(nb, fetched)
    # On a hub the student's login names the submission; one machine user plays ada here.
    _nbgrader("submit", CHAPTER, "--student=ada", cwd=ada, env=student)

    # Instructor: collect, then grade the collected folder.
    _nbgrader("collect", CHAPTER, "--CollectApp.check_owner=False", cwd=course, env=teacher)
    submitted = course / "submitted" / "ada" / CHAPTER / f"{CHAPTER}.ipynb"
    assert submitted.exists()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, str(course / "submitted"),
                           "--course", str(tmp_path / "grading"), "--json", "--jobs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)
    graded = [r for r in rows if r["file"].endswith(".ipynb")]
    assert [(r["student"], r["status"]) for r in graded] == [("ada", "graded")], rows
    assert graded[0]["score"] == graded[0]["max_score"] > 0, graded[0]
    # nbgrader's time stamp beside the notebook is named as such, not graded.
    stamps = [r for r in rows if r["file"].endswith("timestamp.txt")]
    assert [r["problem"] for r in stamps] == ["ignored: nbgrader's record of when it was submitted"]
