"""The instructor masters: well-formed, convertible without loss, and passing all of their own tests."""

import re

import jupytext
import pytest

from autograder import masters, release


def test_there_are_chapters():
    assert "01_perceptron" in masters.chapter_ids()


def test_master_round_trips_through_ipynb(chapter, tmp_path):
    """md -> ipynb -> md -> ipynb keeps every cell's type, source and metadata."""
    first = jupytext.read(masters.master_path(chapter), fmt="md:myst")
    jupytext.write(first, tmp_path / "a.ipynb")
    jupytext.write(jupytext.read(tmp_path / "a.ipynb"), tmp_path / "b.md", fmt="md:myst")
    second = jupytext.read(tmp_path / "b.md", fmt="md:myst")
    assert [(c.cell_type, c.source, dict(c.metadata)) for c in first.cells] == \
           [(c.cell_type, c.source, dict(c.metadata)) for c in second.cells]


def test_every_exercise_is_graded(chapter):
    """Each exercise function is called by some test cell after it, and the chapter has at least 5."""
    nb = masters.read_master(chapter)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader")]
    exercises = [c for c in graded if c.metadata.nbgrader["solution"]]
    assert len(exercises) >= 5, f"{chapter} has only {len(exercises)} graded exercises"
    for cell in exercises:
        names = re.findall(r"^def (\w+)\(", cell.source, flags=re.M)
        assert names, f"exercise {cell.metadata.nbgrader['grade_id']} defines no function"
        later_tests = [c.source for c in graded[graded.index(cell) + 1:] if c.metadata.nbgrader["grade"]]
        for name in names:
            assert any(re.search(rf"\b{name}\(", src) for src in later_tests), f"no test calls {name}()"


def test_every_test_has_hidden_part(chapter):
    for cell in masters.graded_cells(masters.read_master(chapter), "grade"):
        hidden = masters.marked_regions(cell.source, masters.BEGIN_HIDDEN, masters.END_HIDDEN)
        assert hidden and "agree(" in hidden[0], f"{cell.id}: no hidden comparison with a reference"


def test_master_errors_are_reported():
    nb = jupytext.reads("```{code-cell} ipython3\n:grade_id: f\n:points: 2\n\nx = 1\n```\n", fmt="md:myst")
    with pytest.raises(masters.MasterError, match="test_"):
        masters._nbgrader_metadata(nb.cells[0], "cell 0")


def test_reference_solutions_pass_every_test(chapter):
    """nbgrader's validator on the master (solutions and hidden tests in place) finds no failure."""
    results = release.validate(masters.read_master(chapter))
    failures = "\n\n".join(f["raw_error"] for f in results.get("failed", []))
    assert results == {}, f"reference solutions fail tests:\n{failures or results}"
