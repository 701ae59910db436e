"""Each classic bug of each chapter fails exactly the graded tests that should catch it."""

from autograder.mutants import for_chapter
from autograder.mutation import mutation_report


def test_each_bug_fails_exactly_its_tests(chapter):
    bugs = for_chapter(chapter)
    assert len(bugs.MUTANTS) >= 3, f"{chapter} needs at least three classic bugs"
    report = mutation_report(chapter)
    assert set(report) == {"reference", bugs.UNFINISHED.name} | {m.name for m in bugs.MUTANTS}
    wrong = {name: (sorted(got), sorted(want)) for name, (got, want) in report.items() if got != want}
    assert wrong == {}, "bug: (tests that failed, tests that should fail)"
