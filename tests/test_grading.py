"""Grading end to end: a class of submissions in, exact scores, safe feedback and a CSV out."""

import csv
import re
import zipfile

import nbformat
import pytest

from autograder import grading, masters, release, sample_class
from autograder.mutants import for_chapter
from conftest import find_leaks

TIMEOUT = 6  # seconds per cell: over 5x the slowest quick-mode cell of chapter 1, short for the infinite loop


def _replace_stubs(nb, stubs, body):
    """Put ``body`` (indented like the stub) in place of the stub line of each exercise in ``stubs``."""
    for cell in masters.graded_cells(nb, "solution"):
        if cell.metadata.nbgrader["grade_id"] in stubs:
            cell.source = re.sub(r"^([ \t]*)raise NotImplementedError\(\)",
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
                                   "import os\nos._exit(1)  # takes the kernel down"), None),
        "deleter": (_without_tests(untouched()), tests),
        "editor": (_edited_tests(untouched()), tests),
    }
    with zipfile.ZipFile(archive, "a") as zf:
        for sid, (nb, fails) in extra.items():
            zf.writestr(f"{sid}_{chapter}.ipynb", nbformat.writes(nb))
            expected[sid] = fails
    course = tmp / "course"
    results = grading.grade(chapter, archive, course=course, timeout=TIMEOUT, log=lambda *_: None)
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
    assert "kernel died" in results["crasher"].problem


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


def test_warning_really_reaches_a_graded_cell():
    """Without the config's warning filter, the warning student would lose points."""
    nb = sample_class.submission("01_perceptron", warn=True)
    failed = release.validate(nb).get("failed", [])
    assert failed and all("Warning" in f["raw_error"] for f in failed)


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
    found = grading._unpack(tmp_path, tmp_path / "unused")
    assert sorted(grading.student_id(r, "01_perceptron") for r in found) == ["bob", "carol"]


# The classic bugs each chapter's issue names, graded for real through nbgrader (test_mutants.py
# checks every bug faster, in one kernel; this proves the same verdicts come out of autograding).
CLASSIC_BUGS = {
    "02_cross_entropy": ["softmax_no_max_shift"],
    "03_backpropagation": ["transposed_weight_gradient", "bias_gradient_averaged"],
    "08_attention": ["mask_after_softmax", "no_scale"],
    "09_transformers": ["no_causal_mask"],
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
