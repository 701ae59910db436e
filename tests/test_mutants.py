"""Each classic bug of each chapter fails exactly the graded tests that should catch it, and most of them
fail a visible test, so that students see them before they submit."""

from autograder.mutants import for_chapter
from autograder.mutation import mutation_reports

VISIBLE_TARGET = 0.75  # share of a chapter's classic bugs that the visible tests alone must catch


def test_each_bug_fails_exactly_its_tests_and_most_fail_a_visible_one(chapter):
    bugs = for_chapter(chapter)
    assert len(bugs.MUTANTS) >= 3, f"{chapter} needs at least three classic bugs"
    reports = mutation_reports(chapter)
    report = reports["all"]
    assert set(report) == {"reference", bugs.UNFINISHED.name} | {m.name for m in bugs.MUTANTS}
    wrong = {name: (sorted(got), sorted(want)) for name, (got, want) in report.items() if got != want}
    assert wrong == {}, "bug: (tests that failed, tests that should fail)"
    visible = reports["visible"]
    assert visible["reference"][0] == frozenset(), "the reference fails a visible test"
    unseen = sorted(m.name for m in bugs.MUTANTS if not visible[m.name][0])
    caught = len(bugs.MUTANTS) - len(unseen)
    assert caught >= VISIBLE_TARGET * len(bugs.MUTANTS), \
        f"visible tests catch only {caught}/{len(bugs.MUTANTS)} classic bugs; missed: {unseen}"
