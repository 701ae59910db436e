"""Grading end to end: a class of submissions in, exact scores, safe feedback and a CSV out.

The hostile submissions (forgery, leaks, tampering, resources, zip and metadata tricks)
are in test_hostile.py; this file checks that honest and merely broken work is graded
right, in parallel, on a Dask cluster, and through the one-call API.
"""

import csv
import json
import os
import re
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder import grade_notebook, grading, masters, sample_class, sandbox
from autograder.mutants import for_chapter
from conftest import ROOT, find_leaks

TIMEOUT = 6  # seconds per cell: over 5x the slowest quick-mode cell of chapter 1, short for the infinite loop


def _replace_stubs(nb, stubs, body):
    """Put ``body`` (indented like the stub) in place of the stub line of each exercise in ``stubs``."""
    for cell in masters.graded_cells(nb, "solution"):
        if cell.metadata.nbgrader["grade_id"] in stubs:
            cell.source = re.sub(r"^([ \t]*)raise NotImplementedError\(.*\)$",
                                 lambda m: "\n".join(m.group(1) + line for line in body.splitlines()),
                                 cell.source, flags=re.M)
    return nb


def _without_tests(nb):
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    return nb


def _edited_tests(nb):
    for cell in masters.graded_cells(nb, "grade"):
        cell.source = "pass  # nothing to see here"
    return nb


def _crash_expected(chapter, crashing):
    """Tests that fail when the exercises in ``crashing`` kill the kernel: the first test that
    calls one of them, and every test after it (those before keep their points)."""
    order = [c.metadata.nbgrader["grade_id"] for c in masters.graded_cells(masters.read_master(chapter), "grade")]
    first = min(order.index(t) for t in crashing)
    return frozenset(order[first:])


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Grade the sample class of 01_perceptron plus students who loop forever, crash, or tamper."""
    chapter = "01_perceptron"
    tmp = tmp_path_factory.mktemp("class")
    archive = tmp / "class.zip"
    # Three of the chapter's bugs suffice here: test_mutants.py checks every bug of every chapter.
    expected = sample_class.build(chapter, archive, bugs=3)
    tests = expected["untouched"]
    unfinished = for_chapter(chapter).UNFINISHED

    def untouched():
        return sample_class.submission(chapter, stubs=sample_class.exercise_ids(chapter))

    extra = {
        "looper": (_replace_stubs(sample_class.submission(chapter, stubs=unfinished.stubs), unfinished.stubs,
                                  "while True:  # never returns\n    pass"), unfinished.fails),
        "crasher": (_replace_stubs(sample_class.submission(chapter, stubs=unfinished.stubs), unfinished.stubs,
                                   "import os\nos._exit(1)  # takes the kernel down"),
                    _crash_expected(chapter, unfinished.fails)),
        "deleter": (_without_tests(untouched()), tests),
        "editor": (_edited_tests(untouched()), tests),
    }
    with zipfile.ZipFile(archive, "a") as zf:
        for sid, (nb, fails) in extra.items():
            zf.writestr(f"{sid}_{chapter}.ipynb", nbformat.writes(nb))
            expected[sid] = fails
    course = tmp / "course"
    results = grading.grade(chapter, archive, course=course, timeout=TIMEOUT, log=lambda *_: None, jobs=2)
    csv_path = tmp / "grades.csv"
    grading.write_csv(results, chapter, csv_path)
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in masters.graded_cells(masters.read_master(chapter), "grade")}
    return chapter, course, {r.student: r for r in results}, expected, points, csv_path


def test_class_is_big_enough(graded_class):
    _, _, results, expected, _, _ = graded_class
    assert len(results) >= 8 and set(results) == set(expected)


def test_each_student_fails_exactly_the_expected_tests(graded_class):
    _, _, results, expected, _, _ = graded_class
    wrong = {}
    for sid, fails in expected.items():
        got = None if results[sid].score is None else frozenset(results[sid].failed)
        if got != fails:
            wrong[sid] = (sorted(got) if got is not None else results[sid].problem, sorted(fails or []))
    assert wrong == {}, "student: (failed, expected)"


def test_csv_holds_the_exact_scores(graded_class):
    chapter, _, _, expected, points, csv_path = graded_class
    total = sum(points.values())
    rows = {row["student_id"]: row for row in csv.DictReader(open(csv_path))}
    assert set(rows) == set(expected)
    for sid, fails in expected.items():
        row = rows[sid]
        assert row["assignment"] == chapter and float(row["max_score"]) == total
        if fails is None:
            assert row["score"] == "" and row["status"] == "not graded" and row["problem"]
        else:
            assert float(row["score"]) == total - sum(points[t] for t in fails), sid
            assert row["status"] == "graded"


def test_partial_credit_is_partial(graded_class):
    _, _, results, _, points, _ = graded_class
    unfinished = for_chapter("01_perceptron").UNFINISHED.name
    assert 0 < results[unfinished].score < sum(points.values())


def test_broken_submissions_are_reported_by_student_id(graded_class):
    _, _, results, _, _, _ = graded_class
    assert "not a readable notebook" in results[sample_class.CORRUPT].problem
    assert "kernel stopped" in results["crasher"].problem and results["crasher"].score > 0
    assert "deleted test cells were put back" in results["deleter"].problem


def test_gradebook_holds_one_row_per_graded_student(graded_class):
    """Parallel jobs never write the gradebook: this process records each result, once."""
    from nbgrader.api import Gradebook

    chapter, course, results, _, _, _ = graded_class
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        recorded = {s.student.id: s.score for s in gb.find_assignment(chapter).submissions}
    assert recorded == {sid: r.score for sid, r in results.items() if r.score is not None}


def test_grading_runs_sandboxed_where_ci_runs():
    kind, why = sandbox.isolation()
    if os.environ.get("CI") or kind == "bubblewrap":
        assert kind == "bubblewrap", f"CI must grade in the sandbox, but: {why}"
    else:
        assert why, "without a sandbox, grading must say why"


def test_feedback_is_helpful_and_hides_hidden_tests(graded_class, secrets):
    chapter, course, results, expected, points, _ = graded_class
    for sid, fails in expected.items():
        path = grading.feedback_path(course, chapter, sid)
        if fails is None:
            assert not path.exists()
            continue
        text = path.read_text()
        assert find_leaks(text, secrets) == [], f"feedback of {sid} leaks hidden code"
        for test_id in points:
            assert test_id in text
        for test_id in fails:
            assert re.search(rf"{test_id}</code></td><td>0 / [0-9.]+</td><td>failed", text), f"{sid}: {test_id} not shown as failed"


def test_feedback_explains_a_failure(graded_class):
    chapter, course, _, _, _, _ = graded_class
    mutant = for_chapter(chapter).MUTANTS[0]
    text = grading.feedback_path(course, chapter, mutant.name).read_text()
    assert "AssertionError: " in text, "the failing test's message is missing from the feedback"


@pytest.mark.parametrize("relative, expected", [
    ("ada_01_perceptron.ipynb", "ada"),
    ("ada-perceptron.ipynb", "ada"),
    ("jdoe/01_perceptron.ipynb", "jdoe"),
    ("jdoe/anything/else.ipynb", "jdoe"),
    ("doejane_1234_5678_01_perceptron.ipynb", "doejane"),
    ("doejane_LATE_1234_5678_perceptron-1.ipynb", "doejane"),
    ("s1234567.ipynb", "s1234567"),
])
def test_student_id_from_file_name(relative, expected):
    assert grading.student_id(relative, "01_perceptron") == expected


def test_folder_of_submissions_is_found(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "work.ipynb").write_text("{}")
    (tmp_path / "carol_01_perceptron.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    found = grading.collect(tmp_path, tmp_path / "unused")
    assert sorted(grading.student_id(e.name, "01_perceptron") for e in found if not e.problem) == ["bob", "carol"]
    assert [e.problem for e in found if e.problem] == ["ignored: a hidden, system or checkpoint file"]


def test_cli_json_and_one_call_api(graded_class, tmp_path):
    """`grade --json` and autograder.grade_notebook() give the same plain, serializable verdict, and grading
    one student alone with --jobs 1 gives exactly what the class graded with 2 jobs gave (a run cannot change it)."""
    chapter = "01_perceptron"
    unfinished = for_chapter(chapter).UNFINISHED
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / f"{unfinished.name}_{chapter}.ipynb"
    path.write_text(sample_class.students(chapter, bugs=0)[unfinished.name][0])
    result = grade_notebook(chapter, path, timeout=TIMEOUT)
    assert json.loads(json.dumps(result)) == result
    assert set(result["failed"]) == unfinished.fails and result["status"] == "graded"
    assert {t["test"] for t in result["tests"] if not t["passed"]} == unfinished.fails
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", chapter, str(tmp_path / "in"), "--json", "--jobs", "1",
                          "--course", str(tmp_path / "course"), "--timeout", str(TIMEOUT)],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
    (row,) = json.loads(run.stdout)
    assert (row["score"], sorted(row["failed"])) == (result["score"], sorted(result["failed"]))
    in_class = graded_class[2][unfinished.name]
    assert (result["score"], result["failed"], result["tests"]) == (in_class.score, in_class.failed, in_class.tests)
    assert "1/1" in run.stderr  # the progress bar


def test_dask_cluster_grades_the_sample_class(tmp_path):
    """The same jobs on a real distributed.LocalCluster of 2 worker processes."""
    from distributed import Client, LocalCluster

    chapter = "01_perceptron"
    archive = tmp_path / "class.zip"
    expected = sample_class.build(chapter, archive, bugs=0)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        results = grading.grade(chapter, archive, course=tmp_path / "course", timeout=TIMEOUT,
                                log=lambda *_: None, scheduler=client)
    got = {r.student: (None if r.score is None else frozenset(r.failed)) for r in results}
    assert got == expected


# Classic bugs graded for real through nbgrader: a few NumPy chapters and one PyTorch chapter besides
# chapter 1's class above (test_mutants.py judges every bug of every chapter, faster, in one kernel;
# this proves the same verdicts come out of autograding, and keeps the suite within its time).
CLASSIC_BUGS = {
    "02_cross_entropy": ["softmax_no_max_shift"],
    "04_optimizers": ["adam_no_bias_correction"],
    "05_regularization": ["dropout_not_inverted"],
    "06_cnns": ["conv_flips_kernel"],
    "07_rnns": ["gru_paper_update"],
    "09_transformers": ["no_causal_mask"],
    "10_evaluation": ["voc_no_envelope"],
}


@pytest.mark.parametrize("buggy_chapter", [c for c in CLASSIC_BUGS if c in masters.chapter_ids()])
def test_classic_bugs_fail_exactly_their_tests_when_graded(buggy_chapter, tmp_path):
    chapter = buggy_chapter
    bugs = {m.name: m for m in for_chapter(chapter).MUTANTS}
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in CLASSIC_BUGS[chapter]:
        nbformat.write(sample_class.submission(chapter, mutant=bugs[name]), folder / f"{name}_{chapter}.ipynb")
    results = grading.grade(chapter, folder, course=tmp_path / "course", log=lambda *_: None)
    got = {r.student: (frozenset(r.failed), r.problem) for r in results}
    assert got == {name: (bugs[name].fails, "") for name in CLASSIC_BUGS[chapter]}
