"""Mutation testing of a chapter's tests in one kernel: does each classic bug fail exactly the right tests?

Grading every buggy submission through nbgrader costs a full notebook run each.
Here the master runs once; then, for each variant (a mutant, or the unfinished
student), only the changed exercise cells and the graded test cells run again,
and the originals are restored. The test cells are the master's own (visible and
hidden parts), so this is what autograding would decide, at a fraction of the cost.
Test cells must therefore not depend on demo cells' results, which CONTRIBUTING.md asks anyway.
"""

import os
import tempfile

from nbclient import NotebookClient

from autograder.masters import graded_cells, read_master
from autograder.mutants import for_chapter
from autograder.release import course_environment
from autograder.sample_class import submission


def _failed(cell):
    return any(o.output_type == "error" or o.get("name") == "stderr" for o in cell.outputs)


def _variants(chapter):
    """Name -> (notebook of that student, test ids that must fail), for every mutant and the unfinished student."""
    bugs = for_chapter(chapter)
    out = {m.name: (submission(chapter, mutant=m), m.fails) for m in bugs.MUTANTS}
    out[bugs.UNFINISHED.name] = (submission(chapter, stubs=bugs.UNFINISHED.stubs), bugs.UNFINISHED.fails)
    return out


def mutation_report(chapter, timeout=300):
    """Name -> (test ids that failed, test ids that must fail), for every variant of ``chapter``.

    The key ``"reference"`` reports the master itself, whose expected failures are none.
    """
    master = read_master(chapter)
    tests = [(i, c) for i, c in enumerate(master.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    solutions = {c.metadata.nbgrader["grade_id"]: (i, c.source) for i, c in enumerate(master.cells)
                 if c.metadata.get("nbgrader", {}).get("solution")}
    report = {}
    with tempfile.TemporaryDirectory() as cwd, course_environment(quick=True):
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # tests and demos behave as when graded
        client = NotebookClient(master, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": cwd}})
        with client.setup_kernel():
            for index, cell in enumerate(master.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
            report["reference"] = (frozenset(c.id for _, c in tests if _failed(c)), frozenset())
            for name, (nb, must_fail) in _variants(chapter).items():
                changed = [c for c in graded_cells(nb, "solution")
                           if c.source != solutions[c.metadata.nbgrader["grade_id"]][1]]
                for cell in changed:
                    client.execute_cell(cell, solutions[cell.metadata.nbgrader["grade_id"]][0])
                for index, cell in tests:
                    client.execute_cell(cell, index)
                report[name] = (frozenset(c.id for _, c in tests if _failed(c)), must_fail)
                for cell in changed:  # put the reference solution back
                    index, source = solutions[cell.metadata.nbgrader["grade_id"]]
                    master.cells[index].source = source
                    client.execute_cell(master.cells[index], index)
    return report
