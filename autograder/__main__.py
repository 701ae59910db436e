"""The instructor's command line: ``python -m autograder --help``."""

import argparse
import pathlib
import sys
import time

from autograder import grading, masters, mutation, release, sample_class


def _release(args):
    for chapter in args.chapters or masters.chapter_ids():
        start = time.perf_counter()
        path = release.release(chapter, run=not args.no_run)
        print(f"released {path.relative_to(masters.ROOT)} in {time.perf_counter() - start:.1f} s")


def _check(args):
    failures = 0
    for chapter in args.chapters or masters.chapter_ids():
        master = release.judge(chapter, masters.read_master(chapter))
        stubs = release.judge(chapter, release.student_version(chapter))
        bad = {t: why for t, why in master.items() if why}
        passing = sorted(t for t, why in stubs.items() if not why)
        for test, why in bad.items():
            print(f"{chapter}: a reference solution FAILS {test}: {why}")
        for test in passing:
            print(f"{chapter}: a released stub PASSES {test}")
        failures += len(bad) + len(passing)
        print(f"{chapter}: {'problems found' if bad or passing else 'solutions pass every test, stubs fail every test'}"
              " (judged in the sandbox, hidden tests included)")
        if args.mutants:
            rates = mutation.catch_rates(chapter)
            n = rates["bugs"]
            print(f"{chapter}: {n} classic bugs; caught by the visible tests alone {rates['visible']}/{n} "
                  f"({100 * rates['visible'] / n:.0f}%), by all tests {rates['all']}/{n} ({100 * rates['all'] / n:.0f}%)")
            for name, (got, want) in rates["mismatched"].items():
                print(f"{chapter}: bug {name} fails {got or 'no test'}, but its mutant says {want}")
            failures += len(rates["mismatched"])
    return 1 if failures else 0


def _grade(args):
    course = pathlib.Path(args.course).resolve()
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    say(f"grading {args.chapter} from {args.submissions} (nbgrader course folder: {course})")
    start = time.perf_counter()
    limits = {k: v for k, v in (("memory_mb", args.memory_mb), ("notebook_seconds", args.notebook_seconds))
              if v is not None}
    results = grading.grade(args.chapter, args.submissions, course=course, timeout=args.timeout, log=say,
                            jobs=args.jobs, scheduler=args.scheduler, limits=limits)
    csv_path = pathlib.Path(args.csv or course / f"grades-{args.chapter}.csv")
    grading.write_csv(results, args.chapter, csv_path)
    if args.json:
        print(grading.as_json(results))
        return 0
    print()
    print(grading.summary_table(results))
    missed = [r.student for r in results if r.score is None]
    print(f"\n{len(results) - len(missed)} of {len(results)} submissions graded in "
          f"{time.perf_counter() - start:.0f} s" + (f"; NOT graded: {', '.join(missed)}" if missed else ""))
    print(f"grades:   {csv_path}")
    print(f"feedback: {course / 'feedback'}/<student>/{args.chapter}/{args.chapter}.html")


def _sample(args):
    out = args.out or f"sample-class-{args.chapter}.zip"
    expected = sample_class.build(args.chapter, out)
    print(f"wrote {out} with {len(expected)} students:")
    for sid, fails in expected.items():
        print(f"  {sid:24} " + ("cannot be graded" if fails is None else "must fail: " + (", ".join(sorted(fails)) or "nothing")))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=(
        "Release the course's chapters and grade students' submissions with nbgrader. "
        "Run from the course root."))
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("release", help="write chapters/*.ipynb from solutions/*.md (stubs, reference outputs)")
    p.add_argument("chapters", nargs="*", help=f"chapters to release (default: all of {masters.chapter_ids()})")
    p.add_argument("--no-run", action="store_true", help="skip the reference run: student notebooks without outputs")
    p.set_defaults(run=_release)

    p = commands.add_parser("check", help="check that each master passes its tests and each released stub fails them")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--mutants", action="store_true",
                   help="also judge every classic bug: the share caught by visible tests alone and by all tests")
    p.set_defaults(run=_check)

    p = commands.add_parser("grade", help="autograde a folder or zip of submissions, write feedback and a CSV")
    p.add_argument("chapter", help="e.g. 01_perceptron")
    p.add_argument("submissions", help="a folder or LMS zip: <student>/<any>.ipynb or <student>_<chapter>.ipynb")
    p.add_argument("--course", default=grading.DEFAULT_COURSE, help="nbgrader course folder (default: grading/)")
    p.add_argument("--csv", help="where to write the grades (default: <course>/grades-<chapter>.csv)")
    p.add_argument("--timeout", type=int, help="seconds a cell may run before it is interrupted (default 120)")
    p.add_argument("--jobs", type=int, help="submissions graded at once (default: the number of cores)")
    p.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786): grade on that cluster")
    p.add_argument("--memory-mb", type=int, help="memory limit of each submission's kernel (default 4096)")
    p.add_argument("--notebook-seconds", type=int, help="time limit of a whole submission (default 1200)")
    p.add_argument("--json", action="store_true", help="print the results as JSON (progress goes to stderr)")
    p.set_defaults(run=_grade)

    p = commands.add_parser("sample-class", help="build a zip of sample submissions (right, partial, buggy, broken)")
    p.add_argument("chapter")
    p.add_argument("--out", help="zip to write (default: sample-class-<chapter>.zip)")
    p.set_defaults(run=_sample)

    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except (masters.MasterError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
