"""The student notebooks in chapters/: current, stubbed, with reference outputs, without secrets."""

import json
import re

import nbformat
import pytest

from autograder import masters, release
from conftest import ROOT, find_leaks


@pytest.fixture(scope="module")
def student():
    return {ch: nbformat.read(ROOT / "chapters" / f"{ch}.ipynb", as_version=4) for ch in masters.chapter_ids()}


def _cells(nb):
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


def test_chapters_are_in_sync_with_solutions(chapter, student):
    fresh = release.student_version(chapter)
    assert _cells(student[chapter]) == _cells(fresh), (
        f"chapters/{chapter}.ipynb is stale: run `make release` (or `python -m autograder release {chapter}`)")


def test_only_chapters_with_masters(student):
    on_disk = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert on_disk == masters.chapter_ids()


def test_released_stubs_fail_every_graded_test(chapter, student):
    """Judged as grading judges them, the released stubs fail every test."""
    nb = student[chapter]
    stubs = masters.graded_cells(nb, "solution")
    assert stubs and all(re.search(r'raise NotImplementedError\("[\w.]+: your code here"\)', c.source) for c in stubs)
    verdicts = release.judge(chapter, nb)
    assert verdicts and [t for t, why in verdicts.items() if not why] == []


def test_reader_sees_reference_outputs(chapter, student):
    """Demo cells carry outputs (with at least one figure); exercises and tests carry none; no errors."""
    code = [c for c in student[chapter].cells if c.cell_type == "code"]
    graded = [c for c in code if c.metadata.get("nbgrader")]
    assert all(not c.outputs and c.execution_count is None for c in graded)
    outputs = [o for c in code for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure in the chapter"
    assert not [o for o in outputs if o.output_type == "error"], "a traceback in the released chapter"
    assert not [o for o in outputs if o.get("name") == "stderr"], "stderr output in the released chapter"


def test_no_solution_or_hidden_test_in_chapters(chapter, secrets):
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    text += "\n".join(json.dumps(c.get("outputs", [])) for c in nb["cells"])
    assert find_leaks(text, secrets) == []


def test_leak_check_can_fail(secrets):
    """The secrets list is not empty and catches a solution pasted into a notebook."""
    markers, snippets = secrets
    assert len(snippets) >= 10
    assert find_leaks("prose\n" + snippets[0] + "\n", secrets) == [snippets[0]]
