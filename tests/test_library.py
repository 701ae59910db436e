"""The student-side library groundup: checks that explain themselves, data sets that keep their promises."""

import contextlib
import io
import re

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
    with pytest.raises(AssertionError, match="should be an ndarray, got list"):
        checks.check_shape([1, 2], (2,), "w")
    with pytest.raises(AssertionError, match="dtype int64, got float64"):
        checks.check_dtype(np.zeros(2), np.int64, "y")


def test_article_before_a_type_name():
    with pytest.raises(AssertionError, match="should be an int, got str"):
        checks.check_type("1", int, "n")
    with pytest.raises(AssertionError, match="should be a float or floating, got str"):
        checks.check_type("1", (float, np.floating), "b")


def test_report_counts_the_checks_of_this_test_only(capsys):
    checks.start_count()
    checks.check_shape(np.zeros(2), (2,), "w")  # calls check_type inside: one check, not two
    checks.check_equal([1], [1], "y")
    checks.report("predict")
    assert capsys.readouterr().out == "\u2713 predict: 2 checks passed\n"
    with pytest.raises(AssertionError):
        checks.check_equal([1], [1, 2], "y")
    checks.check_close(1.0, 1.0, "b")  # a failed check is no pass; the next test starts afresh
    checks.report("train")
    assert capsys.readouterr().out == "\u2713 train: 1 check passed\n"


def test_check_all_runs_every_visible_test_and_says_which_fail(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    tests = checks.visible_tests("01_perceptron")
    assert tests and all(t["grade_id"].startswith("test_") and "HIDDEN" not in t["source"] for t in tests)
    # A namespace where predict is right and nothing else is written yet.
    namespace = {"np": np, "predict": lambda X, w, b: (X @ w + b >= 0).astype(np.int64)}
    results = checks.run_visible_tests("01_perceptron", namespace)
    status = {r["grade_id"]: r["status"] for r in results}
    assert status["test_predict"] == "passed"
    assert [s for t, s in status.items() if t != "test_predict"] == ["failed"] * (len(tests) - 1)
    # The count is the one the test cell itself reports when run directly.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(tests[0]["source"], dict(namespace))
    count = int(re.fullmatch(r"\u2713 predict: (\d+) checks passed\n", printed.getvalue()).group(1))
    assert count > 1 and results[0]["message"] == f"{count} checks passed"
    namespace["predict"] = lambda X, w, b: (X @ w + b > 0).astype(np.int64)  # the boundary bug
    assert checks.run_visible_tests("01_perceptron", namespace)[0]["status"] == "failed"
    checks.check_all("01_perceptron", namespace)
    table = capsys.readouterr().out
    assert "\u2717 test_predict" in table and f"0 of {len(tests)} visible tests pass" in table
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")  # Validate and grading run the cell: no-op
    checks.check_all("01_perceptron")
    assert "not while nbgrader runs" in capsys.readouterr().out
    with pytest.raises(ValueError, match="01_perceptron"):
        checks.visible_tests("01_perceptrons")


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


def test_tiny_shakespeare_ships_with_the_course():
    text = data.tiny_shakespeare()
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


class _FakeUrlopen:
    """Stands in for urllib.request.urlopen: serves ``payload`` (or raises) and counts calls."""

    def __init__(self, payload=None, error=None):
        self.payload, self.error, self.calls = payload, error, 0

    def __call__(self, url, timeout):
        self.calls += 1
        assert url == data.TINY_SHAKESPEARE_URL
        if self.error:
            raise self.error
        return io.BytesIO(self.payload)


@pytest.fixture
def not_shipped(monkeypatch, tmp_path):
    """A course installed without the data file: the loader must download into the cache."""
    real = data.TINY_SHAKESPEARE_SHIPPED.read_bytes()
    monkeypatch.setattr(data, "TINY_SHAKESPEARE_SHIPPED", tmp_path / "missing.txt")
    return real, tmp_path / "cache"


def test_tiny_shakespeare_downloads_once_and_verifies(monkeypatch, not_shipped):
    real, cache = not_shipped
    fake = _FakeUrlopen(real)
    monkeypatch.setattr(data.urllib.request, "urlopen", fake)
    assert len(data.tiny_shakespeare(cache)) == 1_115_394
    assert (cache / "tinyshakespeare.txt").read_bytes() == real
    assert len(data.tiny_shakespeare(cache)) == 1_115_394 and fake.calls == 1  # served from the cache


def test_tiny_shakespeare_rejects_a_corrupted_download(monkeypatch, not_shipped):
    real, cache = not_shipped
    monkeypatch.setattr(data.urllib.request, "urlopen", _FakeUrlopen(real[:-10]))
    with pytest.raises(ValueError, match="SHA-256"):
        data.tiny_shakespeare(cache)
    assert not (cache / "tinyshakespeare.txt").exists(), "a bad download was cached"


def test_tiny_shakespeare_rejects_an_edited_copy_and_explains_a_failed_download(monkeypatch, not_shipped):
    real, cache = not_shipped
    cache.mkdir()
    (cache / "tinyshakespeare.txt").write_bytes(real.replace(b"Citizen", b"Citizan", 1))
    with pytest.raises(ValueError, match="not the expected file"):
        data.tiny_shakespeare(cache)
    (cache / "tinyshakespeare.txt").unlink()
    monkeypatch.setattr(data.urllib.request, "urlopen", _FakeUrlopen(error=OSError("no network")))
    with pytest.raises(RuntimeError, match="Download that file by hand"):
        data.tiny_shakespeare(cache)
