"""Benchmark: grading time per submission, and the speed-up of parallel jobs, on a chapter's sample class.

    python scripts/bench_grading.py 01_perceptron --jobs 1 2

Each run grades the whole sample class (sandboxed notebooks, judged tests, feedback,
gradebook) into a fresh course folder and prints wall time, seconds per submission
and the speed-up over the first run. Grading results must be identical across runs;
the script says if they are not.
"""

import argparse
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from autograder import grading, sample_class, sandbox  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="01_perceptron")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare")
    parser.add_argument("--bugs", type=int, default=None, help="how many classic bugs join the class (default all)")
    args = parser.parse_args(argv)
    kind, why = sandbox.isolation()
    print(f"isolation: {kind}{' (' + why + ')' if why else ''}")
    baseline, verdicts = None, None
    with tempfile.TemporaryDirectory() as tmp:
        archive = pathlib.Path(tmp) / "class.zip"
        expected = sample_class.build(args.chapter, archive, bugs=args.bugs)
        graded = sum(1 for fails in expected.values() if fails is not None)
        print(f"{args.chapter}: {len(expected)} submissions, {graded} gradable")
        for jobs in args.jobs:
            start = time.perf_counter()
            results = grading.grade(args.chapter, archive, course=pathlib.Path(tmp) / f"course-{jobs}",
                                    log=lambda *_: None, jobs=jobs)
            wall = time.perf_counter() - start
            baseline = baseline or wall
            now = {r.student: (r.score, tuple(r.failed)) for r in results}
            same = verdicts is None or now == verdicts
            verdicts = verdicts or now
            print(f"jobs={jobs}: {wall:6.1f} s wall, {wall / graded:5.2f} s per submission, "
                  f"speed-up {baseline / wall:4.2f}x{'' if same else '  RESULTS DIFFER FROM THE FIRST RUN'}",
                  flush=True)


if __name__ == "__main__":
    main()
