"""Helpers for hidden tests: compare a student's result with a PyTorch reference, with a message
that says which case failed and how, but never shows test code.

The hidden tests run in the judge (``autograder/judge.py``), in the grader's own
process, never in the student's kernel; ``actual`` values arrive there as plain data.
"""

import numpy as np
import torch


def as_numpy(value):
    """A NumPy array from a tensor, array, list or scalar (tensors are detached and moved to the CPU)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def agree(actual, expected, case, rtol=1e-6, atol=1e-8, exact=False, dtype=True):
    """Assert that ``actual`` (the student's) matches ``expected`` (the reference's) in ``case``.

    ``case`` names the situation in plain words ("a random batch of 17 points"),
    since that, the shapes and the worst mismatch are all the student is shown.
    ``exact`` demands identical entries (labels, counts); ``dtype`` demands the
    reference's dtype too.
    """
    expected = as_numpy(expected)
    if isinstance(actual, torch.Tensor):
        raise AssertionError(f"{case}: expected a NumPy array, got a torch.Tensor")
    if not isinstance(actual, (np.ndarray, np.generic, float, int, bool)):
        raise AssertionError(f"{case}: expected a NumPy array, got {type(actual).__name__}")
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        raise AssertionError(f"{case}: expected shape {expected.shape}, got {actual.shape}")
    if dtype and actual.dtype != expected.dtype:
        raise AssertionError(f"{case}: expected dtype {expected.dtype}, got {actual.dtype}")
    if exact:
        wrong = np.argwhere(actual != expected)
        if len(wrong):
            first = tuple(int(i) for i in wrong[0])
            raise AssertionError(
                f"{case}: {len(wrong)} of {actual.size} entries differ from the reference; "
                f"first at index {first}: got {actual[first].item()!r}, expected {expected[first].item()!r}"
            )
        return
    if not np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):
        err = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        err = np.where(np.isnan(err), np.inf, err)
        worst = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
        raise AssertionError(
            f"{case}: differs from the reference by up to {float(err[worst]):.3g} "
            f"(allowed rtol={rtol}, atol={atol}); worst at index {tuple(int(i) for i in worst)}: "
            f"got {actual[worst].item()!r}, expected {expected[worst].item()!r}"
        )


def quietly(fn, *args, case, **kwargs):
    """Call ``fn(*args, **kwargs)`` with NumPy's floating-point warnings turned into a test failure.

    Grading drops warnings from stderr, so an exercise that promises to be numerically
    stable (no overflow, no division by zero) is held to it here instead.
    """
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        try:
            return fn(*args, **kwargs)
        except FloatingPointError as err:
            raise AssertionError(f"{case}: NumPy reported '{err}'; it must run without floating-point warnings") from None
