"""The student-side library groundup: checks that explain themselves, data sets that keep their promises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import checks, data, runtime


def test_check_close_names_the_worst_entry():
    with pytest.raises(AssertionError, match=r"logits is off by up to 0.5.*index \(1,\)"):
        checks.check_close(np.array([1.0, 2.5]), np.array([1.0, 2.0]), "logits")
    checks.check_close(np.array([1.0, 2.0 + 1e-12]), np.array([1.0, 2.0]), "logits")


def test_check_close_rejects_nan_and_wrong_shape():
    with pytest.raises(AssertionError, match="NaN"):
        checks.check_close(np.array([np.nan]), np.array([1.0]), "p")
    with pytest.raises(AssertionError, match=r"shape \(2,\)"):
        checks.check_close(np.zeros(3), np.zeros(2), "p")


def test_check_equal_counts_wrong_entries():
    with pytest.raises(AssertionError, match="2 of 4 entries are wrong; first at index \\(1,\\)"):
        checks.check_equal([0, 1, 1, 0], [0, 0, 0, 0], "labels")
    checks.check_equal(np.array([1, 0]), [1, 0], "labels")


def test_check_shape_and_dtype():
    with pytest.raises(AssertionError, match="should be a ndarray, got list"):
        checks.check_shape([1, 2], (2,), "w")
    with pytest.raises(AssertionError, match="dtype int64, got float64"):
        checks.check_dtype(np.zeros(2), np.int64, "y")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 200), margin=st.floats(0.1, 2.0))
def test_separable_blobs_respect_their_margin(seed, n, margin):
    X, y = data.separable_blobs(n, seed=seed, margin=margin)
    assert X.shape == (n, 2) and y.shape == (n,) and y.dtype == np.int64
    signed = (X @ np.array([1.0, 1.0]) / np.sqrt(2.0)) * np.where(y == 1, 1, -1)
    assert signed.min() >= margin - 1e-9


def test_logic_gates():
    X, y = data.logic_gate("xor")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    assert data.logic_gate("nand")[1].tolist() == [1, 1, 1, 0]
    with pytest.raises(ValueError, match="unknown gate"):
        data.logic_gate("xnor")


def test_scaled_follows_the_grading_flag(monkeypatch):
    monkeypatch.setattr(runtime, "QUICK", True)
    assert runtime.scaled(100, 2) == 2
    monkeypatch.setattr(runtime, "QUICK", False)
    assert runtime.scaled(100, 2) == 100
