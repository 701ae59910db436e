"""Checks that the visible tests use: each failure says what was expected and what came back.

The visible tests in the chapters are sanity checks: shapes, dtypes and a few
hand-worked values. They raise ``AssertionError`` with a message written for the
student, never a bare ``assert``.
"""

import numpy as np


def check_type(value, kind, what):
    """Fail unless ``value`` is an instance of ``kind`` (a type or tuple of types)."""
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise AssertionError(f"{what} should be a {names}, got {type(value).__name__}")


def check_shape(array, shape, what):
    """Fail unless ``array`` is a NumPy array of exactly ``shape``."""
    check_type(array, np.ndarray, what)
    if array.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got {array.shape}")


def check_dtype(array, dtype, what):
    """Fail unless ``array`` has the dtype ``dtype`` (compared with ``np.dtype``)."""
    if np.asarray(array).dtype != np.dtype(dtype):
        raise AssertionError(f"{what} should have dtype {np.dtype(dtype)}, got {np.asarray(array).dtype}")


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
