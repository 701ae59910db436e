"""Mutation testing of a chapter's tests in one kernel: does each classic bug fail exactly the right tests?

Grading every buggy submission through nbgrader costs a full notebook run each.
Here the master runs once, sandboxed, as in grading; then, for each variant (a
mutant, or the unfinished student), only the changed exercise cells run again in
that kernel, every test is judged as grading judges it (visible and hidden parts,
in the judge's process), and the reference solutions are put back. Test cells must
therefore not depend on demo cells' results, which CONTRIBUTING.md asks anyway.

``visible_only=True`` judges with the hidden parts stripped: how many bugs would a
student see before submitting?
"""

import copy

import nbformat

from autograder import masters
from autograder.execute import JudgedExecute
from autograder.mutants import for_chapter
from autograder.release import ROOT, course_environment
from autograder.sample_class import submission


def _failed(cell):
    return any(o.output_type == "error" or o.get("name") == "stderr" for o in cell.outputs)


def _variants(chapter):
    """Name -> (notebook of that student, test ids that must fail), for every mutant and the unfinished student."""
    bugs = for_chapter(chapter)
    out = {m.name: (submission(chapter, mutant=m), m.fails) for m in bugs.MUTANTS}
    out[bugs.UNFINISHED.name] = (submission(chapter, stubs=bugs.UNFINISHED.stubs), bugs.UNFINISHED.fails)
    return out


def _visible_bundle(chapter):
    bundle = masters.judge_bundle(chapter)
    visible = masters.without_hidden_tests(masters.read_master(chapter))
    for cell in masters.graded_cells(visible, "grade"):
        test = bundle["tests"][cell.metadata.nbgrader["grade_id"]]
        test["source"] = cell.source
        test["names"] = sorted(masters.free_names(cell.source) & set(test["names"]))
    return bundle


def mutation_report(chapter, timeout=300, visible_only=False):
    """Name -> (test ids that failed, test ids that must fail), for every variant of ``chapter``.

    The key ``"reference"`` reports the master itself, whose expected failures are none.
    """
    return mutation_reports(chapter, timeout, kinds=("visible",) if visible_only else ("all",))[
        "visible" if visible_only else "all"]


def mutation_reports(chapter, timeout=300, kinds=("all", "visible")):
    """``mutation_report`` for each of ``kinds`` ("all": visible and hidden tests; "visible": hidden parts
    stripped), from one run of the master: each variant's cells run once and are judged once per kind."""
    master = masters.without_hidden_tests(masters.read_master(chapter))
    tests = [(i, c) for i, c in enumerate(master.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    solutions = {c.metadata.nbgrader["grade_id"]: (i, c.source) for i, c in enumerate(master.cells)
                 if c.metadata.get("nbgrader", {}).get("solution")}
    bundles = {"all": masters.judge_bundle(chapter), "visible": _visible_bundle(chapter)}
    executor = JudgedExecute(bundle=bundles[kinds[0]], timeout=timeout, notebook_seconds=24 * 3600)
    executor.log.setLevel("ERROR")
    reports = {kind: {} for kind in kinds}

    def judge(name, must_fail, every_test=False):
        failed_all = None
        for kind in kinds:
            executor.bundle = bundles[kind]
            for index, cell in tests:
                if kind == "visible" and failed_all is not None and cell.id not in failed_all \
                        and not every_test:
                    # A test's visible checks run before its hidden ones, so a test that passed
                    # whole passes without its hidden part: only the failures need judging again.
                    cell.outputs = []
                    continue
                executor.preprocess_cell(cell, executor.resources, index)
            failed = frozenset(c.id for _, c in tests if _failed(c))
            if kind == "all":
                failed_all = failed
            reports[kind][name] = (failed, must_fail)

    with course_environment(quick=True), executor.session(master, {"metadata": {"path": str(ROOT)}}):
        test_cells = {index for index, _ in tests}
        for index, cell in enumerate(master.cells):
            if index not in test_cells:  # tests are judged below, once the whole notebook has run
                executor.preprocess_cell(cell, executor.resources, index)
        judge("reference", frozenset(), every_test=True)
        for name, (nb, must_fail) in _variants(chapter).items():
            changed = [c for c in masters.graded_cells(nb, "solution")
                       if c.source != solutions[c.metadata.nbgrader["grade_id"]][1]]
            for cell in changed:
                executor.preprocess_cell(copy.deepcopy(cell), executor.resources,
                                         solutions[cell.metadata.nbgrader["grade_id"]][0])
            judge(name, must_fail)
            for cell in changed:  # put the reference solution back
                index, source = solutions[cell.metadata.nbgrader["grade_id"]]
                executor.preprocess_cell(nbformat.from_dict(master.cells[index]), executor.resources, index)
            if executor.dead:
                raise RuntimeError(f"{chapter}: the kernel stopped while testing {name}: {executor.dead}")
    return reports


def catch_rates(chapter):
    """One row of the mutation table of ``chapter``: how many classic bugs the tests catch.

    Returns a dict: ``bugs`` (classic bugs, the unfinished student not counted), ``visible`` (caught by
    the visible tests alone), ``all`` (caught by visible and hidden tests), and ``mismatched`` (bugs
    whose failing tests differ from those their mutant declares, with both sets).
    """
    reports = mutation_reports(chapter)
    full, visible = reports["all"], reports["visible"]
    bugs = [m.name for m in for_chapter(chapter).MUTANTS]
    return {
        "bugs": len(bugs),
        "visible": sum(1 for name in bugs if visible[name][0]),
        "all": sum(1 for name in bugs if full[name][0]),
        "mismatched": {name: (sorted(got), sorted(want)) for name, (got, want) in full.items() if got != want},
    }
