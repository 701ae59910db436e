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
    assert 6 <= len(exercises) <= 9, f"{chapter} has {len(exercises)} graded exercises; a chapter has 6 to 9"
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


def test_every_test_ends_by_reporting_what_it_tested(chapter):
    """The last line prints '✓ <name>: N checks passed' (after the hidden part, so never early)."""
    for cell in masters.graded_cells(masters.read_master(chapter), "grade"):
        last = cell.source.strip().splitlines()[-1]
        assert re.fullmatch(r'report\("[\w.]+"\)', last), f"{cell.id} ends with {last!r}, not report(...)"
        # Visible checks all come before the hidden part (mutation runs rely on it).
        after_hidden = cell.source.split(masters.END_HIDDEN)[-1].strip()
        assert after_hidden == last, f"{cell.id}: visible checks after the hidden part: {after_hidden!r}"


def test_master_errors_are_reported():
    nb = jupytext.reads("```{code-cell} ipython3\n:grade_id: f\n:points: 2\n\nx = 1\n```\n", fmt="md:myst")
    with pytest.raises(masters.MasterError, match="test_"):
        masters._nbgrader_metadata(nb.cells[0], "cell 0")


def test_reference_solutions_pass_every_test(chapter):
    """Judged as grading judges (sandboxed notebook, visible and hidden tests in the judge): all pass."""
    verdicts = release.judge(chapter, masters.read_master(chapter))
    assert verdicts and {t: why for t, why in verdicts.items() if why} == {}


def test_visible_tests_pass_in_the_students_own_kernel(chapter):
    """The Validate button runs the visible tests natively: with the reference solutions they pass."""
    results = release.validate(masters.without_hidden_tests(masters.read_master(chapter)))
    failures = "\n\n".join(f["raw_error"] for f in results.get("failed", []))
    assert results == {}, f"visible tests fail with the reference solutions:\n{failures or results}"


def test_judge_bundle_holds_every_test_and_no_stray_name(chapter):
    """Each test's whole code goes to the judge; the names it takes from the notebook are the notebook's."""
    bundle = masters.judge_bundle(chapter)
    master = masters.read_master(chapter)
    tests = masters.graded_cells(master, "grade")
    assert set(bundle["tests"]) == {c.metadata.nbgrader["grade_id"] for c in tests}
    for cell in tests:
        source = bundle["tests"][cell.metadata.nbgrader["grade_id"]]["source"]
        assert masters.BEGIN_HIDDEN not in source
        hidden = masters.marked_regions(cell.source, masters.BEGIN_HIDDEN, masters.END_HIDDEN)[0]
        assert hidden.strip().splitlines()[-1] in source
    # nbgrader's own copy (source folder, gradebook) never holds a hidden test
    for cell in masters.graded_cells(masters.without_hidden_tests(master), "grade"):
        assert masters.BEGIN_HIDDEN not in cell.source and "autograder" not in cell.source


def test_a_stray_name_is_refused(monkeypatch):
    nb = jupytext.reads("```{code-cell} ipython3\nimport numpy as np\n```\n\n"
                        "```{code-cell} ipython3\n:grade_id: test_x\n:points: 1\n\nassert nowhere(1)\n```\n",
                        fmt="md:myst")
    for index, cell in enumerate(nb.cells):
        masters._nbgrader_metadata(cell, f"cell {index}")
    monkeypatch.setattr(masters, "read_master", lambda chapter: nb)
    with pytest.raises(masters.MasterError, match="nowhere"):
        masters.judge_bundle("00_x")


def test_no_cell_depends_on_a_test_cell(chapter):
    """While grading, test cells run in the judge, not in the student's kernel: nothing after them may need them."""
    cells = [c for c in masters.read_master(chapter).cells if c.cell_type == "code"]
    from_tests, from_others, needs = set(), set(), {}
    for cell in cells:
        is_test = bool(cell.metadata.get("nbgrader", {}).get("grade"))
        if not is_test:
            for name in masters.free_names(cell.source) & (from_tests - from_others):
                needs.setdefault(name, cell.id)
        (from_tests if is_test else from_others).update(masters._top_level_names(cell.source))
    assert needs == {}, f"cells that use names only a test cell defines: {needs}"


MAX_CODE_LINE = 90  # fits the site's code blocks and a notebook at common widths without sideways scrolling


def test_code_lines_are_short(chapter):
    """Every line of every code cell (docstrings and tests too) fits without sideways scrolling."""
    long = [f"cell {i}: {len(line)} chars: {line[:60]}..."
            for i, cell in enumerate(masters.read_master(chapter).cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > MAX_CODE_LINE]
    assert long == [], f"{len(long)} code lines over {MAX_CODE_LINE} characters:\n" + "\n".join(long[:20])


def test_display_math_stands_apart(chapter):
    """A $$ block glued to a paragraph or list item renders as stray dollars and raw TeX: blank line before, after."""
    bad = []
    for i, cell in enumerate(masters.read_master(chapter).cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        inside = False
        for n, line in enumerate(lines):
            if not line.strip().startswith("$$"):
                continue
            opening = not inside
            single = line.strip() != "$$" and line.strip().endswith("$$") and len(line.strip()) > 4
            if opening and n > 0 and lines[n - 1].strip():
                bad.append(f"cell {i}, line {n + 1}: no blank line before $$")
            closes = single or not opening
            if closes and n + 1 < len(lines) and lines[n + 1].strip():
                bad.append(f"cell {i}, line {n + 1}: no blank line after $$")
            if line.startswith((" ", "\t")):
                bad.append(f"cell {i}, line {n + 1}: indented $$ (inside a list item)")
            inside = not closes
    assert bad == [], "\n".join(bad)


def test_voc_ap_reference_agrees_with_hand_worked_values():
    """Chapter 10's ``voc_ap`` has no scikit-learn twin to be judged against, so pin it by hand."""
    from autograder.references.evaluation import voc_ap
    rec, prec = [0.2, 0.4, 0.4, 0.6], [1.0, 1.0, 2 / 3, 0.75]
    # envelope 1, 1, 0.75, 0.75 over widths 0.2, 0.2, 0, 0.2; then 0.4 of recall at precision 0
    assert voc_ap(rec, prec) == pytest.approx(0.2 + 0.2 + 0.75 * 0.2, abs=1e-12)
    # 11-point: thresholds 0 .. 0.4 reach precision 1, 0.5 and 0.6 reach 0.75, 0.7 .. 1 reach nothing
    assert voc_ap(rec, prec, True) == pytest.approx((5 * 1.0 + 2 * 0.75) / 11, abs=1e-12)
    assert voc_ap([], []) == 0.0 and voc_ap([], [], True) == 0.0
    assert voc_ap([0.3], [0.5], True) == pytest.approx(4 * 0.5 / 11, abs=1e-12)
    assert voc_ap([1.0], [0.5]) == pytest.approx(0.5, abs=1e-12)
