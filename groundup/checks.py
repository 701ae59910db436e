"""Checks that the visible tests use: each failure says what was expected and what came back.

The visible tests in the chapters are sanity checks: shapes, dtypes and a few
hand-worked values. They raise ``AssertionError`` with a message written for the
student, never a bare ``assert``. Each visible test ends with :func:`report`, which prints
one short line when every check of the cell has passed.
"""

import contextlib
import functools
import io
import json
import os
import pathlib
import sys

import numpy as np

# Checks passed in the current cell: (the cell's IPython execution count, how many).
_tally = [None, 0]
_reported = [None]  # the count of the last report(), for check_all
_depth = [0]  # a check that calls another (check_shape calls check_type) counts once


def _cell():
    try:
        return get_ipython().execution_count  # noqa: F821 -- defined inside IPython only
    except NameError:
        return None


def _counted(check):
    @functools.wraps(check)
    def counted(*args, **kwargs):
        _depth[0] += 1
        try:
            result = check(*args, **kwargs)
        finally:
            _depth[0] -= 1
        if _depth[0] == 0:
            cell = _cell()
            if _tally[0] != cell:  # a new cell starts a new count, whatever the last one did
                _tally[:] = [cell, 0]
            _tally[1] += 1
        return result

    return counted


def passed_so_far():
    """How many checks have passed in the current cell (since the last :func:`report`)."""
    return _tally[1] if _tally[0] == _cell() else 0


def start_count():
    """Start counting afresh. An IPython cell does this by itself; the grader calls it before each test."""
    _tally[:] = [_cell(), 0]


def report(name):
    """Print one line saying that every check of ``name``'s test passed; start a new count."""
    count = _reported[0] = passed_so_far()
    start_count()
    print(f"\u2713 {name}: " + (f"{count} check{'' if count == 1 else 's'} passed" if count else "passed"))


def _article(noun):
    return "an" if noun[:1].lower() in "aeiou" or noun.startswith("nd") else "a"


@_counted
def check_type(value, kind, what):
    """Fail unless ``value`` is an instance of ``kind`` (a type or tuple of types)."""
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise AssertionError(f"{what} should be {_article(names)} {names}, got {type(value).__name__}")


@_counted
def check_shape(array, shape, what):
    """Fail unless ``array`` is a NumPy array of exactly ``shape``."""
    check_type(array, np.ndarray, what)
    if array.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got {array.shape}")


@_counted
def check_dtype(array, dtype, what):
    """Fail unless ``array`` has the dtype ``dtype`` (compared with ``np.dtype``)."""
    if np.asarray(array).dtype != np.dtype(dtype):
        raise AssertionError(f"{what} should have dtype {np.dtype(dtype)}, got {np.asarray(array).dtype}")


@_counted
def check_equal(actual, expected, what):
    """Fail unless two arrays (or scalars) have the same shape and identical entries."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what} should have shape {expected.shape}, got {actual.shape}")
    wrong = np.argwhere(actual != expected)
    if len(wrong):
        first = tuple(int(i) for i in wrong[0])
        raise AssertionError(
            f"{what}: {len(wrong)} of {actual.size} entries are wrong; "
            f"first at index {first}: got {actual[first].item()!r}, expected {expected[first].item()!r}"
        )


@_counted
def check_close(actual, expected, what, rtol=1e-6, atol=1e-8):
    """Fail unless two arrays agree to ``rtol``/``atol`` (``np.allclose``), naming the worst entry."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what} should have shape {expected.shape}, got {actual.shape}")
    if not np.all(np.isfinite(actual[np.isfinite(expected)])):
        raise AssertionError(f"{what} holds NaN or infinity where a finite value was expected")
    if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        err = np.abs(actual.astype(float) - expected.astype(float))
        worst = np.unravel_index(np.nanargmax(err), err.shape) if err.ndim else ()
        raise AssertionError(
            f"{what} is off by up to {float(err[worst]):.3g} (tolerance rtol={rtol}, atol={atol}); "
            f"worst at index {tuple(int(i) for i in worst)}: got {actual[worst].item()!r}, expected {expected[worst].item()!r}"
        )


# --- every visible test at once: the Validate button where there is none (Colab) ------------------
VISIBLE_TESTS = pathlib.Path(__file__).with_name("visible_tests.json")


def visible_tests(chapter):
    """The visible tests of ``chapter`` as released: dicts with grade_id, points and source."""
    tests = json.loads(VISIBLE_TESTS.read_text())
    if chapter not in tests:
        raise ValueError(f"no chapter {chapter!r}; the chapters are {', '.join(sorted(tests))}")
    return tests[chapter]


def run_visible_tests(chapter, namespace):
    """Run each visible test of ``chapter`` in ``namespace``; return one dict per test.

    Each dict has grade_id, points, status ('passed', 'failed' or 'not done') and a
    one-line message.
    """
    results = []
    for test in visible_tests(chapter):
        start_count()
        _reported[0] = None
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                exec(compile(test["source"], f"<visible test {test['grade_id']}>", "exec"), namespace)  # noqa: S102
        except NotImplementedError as err:
            status, message = "not done", str(err) or "NotImplementedError"
        except Exception as err:  # noqa: BLE001 -- any failure is that test's result
            first = (str(err).strip().splitlines() or [""])[0]
            status, message = "failed", f"{type(err).__name__}: {first}"[:160]
        else:
            count = passed_so_far() if _reported[0] is None else _reported[0]
            status, message = "passed", f"{count} check{'' if count == 1 else 's'} passed"
        results.append({"grade_id": test["grade_id"], "points": test["points"], "status": status,
                        "message": message})
    start_count()
    return results


def check_all(chapter, namespace=None):
    """Run every visible test of ``chapter`` against your functions as they are now; print a table.

    This is what the Validate button of JupyterLab does, for places without one
    (Colab): run the whole notebook first, then this. Like Validate, it runs the
    visible tests only; the grader also runs hidden tests. ``namespace`` holds the
    functions to test: by default the notebook's variables (a script's globals).
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        print("check_all() runs only when you run it yourself (not while nbgrader runs the notebook).")
        return
    if namespace is None:
        try:
            namespace = get_ipython().user_ns  # noqa: F821 -- the notebook's own variables
        except NameError:
            namespace = sys._getframe(1).f_globals
    results = run_visible_tests(chapter, namespace)
    marks = {"passed": "\u2713", "failed": "\u2717", "not done": "\u2026"}
    width = max(len(r["grade_id"]) for r in results)
    print(f"  {'test':<{width}}  points  result")
    for r in results:
        print(f"{marks[r['status']]} {r['grade_id']:<{width}}  {r['points']:>6g}  {r['status']}: {r['message']}")
    done = [r for r in results if r["status"] == "passed"]
    print(f"\n{len(done)} of {len(results)} visible tests pass "
          f"({sum(r['points'] for r in done):g} of {sum(r['points'] for r in results):g} points, "
          "if the hidden tests agree when your work is graded).")
