"""Data sets the chapters share: small ones generated from a seed (the same on every run), and the
Tiny Shakespeare corpus of chapter 9, shipped with the course and verified by its checksum."""

import hashlib
import os
import pathlib
import urllib.request

import numpy as np


def separable_blobs(n=100, seed=0, margin=0.5):
    """Two Gaussian clouds in 2-D split by the line x1 + x2 = 0 with a gap of ``margin`` around it.

    Returns ``X`` of shape (n, 2) (float64) and labels ``y`` in {0, 1} of shape (n,) (int64).
    Points closer than ``margin`` to the line are pushed away from it, so the two
    classes are linearly separable and the perceptron is guaranteed to converge.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    centers = np.where(y[:, None] == 1, 1.5, -1.5)
    X = centers + rng.normal(scale=1.0, size=(n, 2))
    # Signed distance to the line x1 + x2 = 0, then push each point to its class's side.
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)
    side = np.where(y == 1, 1.0, -1.0)
    dist = X @ normal
    shift = np.maximum(margin - side * dist, 0.0) * side
    X = X + shift[:, None] * normal
    return X, y.astype(np.int64)


def logic_gate(name):
    """Truth table of a 2-input gate ('and', 'or', 'nand', 'xor') as (X, y) with X of shape (4, 2)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    a, b = X[:, 0].astype(bool), X[:, 1].astype(bool)
    table = {"and": a & b, "or": a | b, "nand": ~(a & b), "xor": a ^ b}
    if name not in table:
        raise ValueError(f"unknown gate {name!r}; choose one of {sorted(table)}")
    return X, table[name].astype(np.int64)


# --- Tiny Shakespeare (chapter 9) ---------------------------------------------------------------

TINY_SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TINY_SHAKESPEARE_CHARS = 1_115_394
TINY_SHAKESPEARE_SHIPPED = pathlib.Path(__file__).resolve().parent / "datasets" / "tinyshakespeare.txt"


def _verified_text(raw, where):
    """Decode ``raw`` (bytes) after checking its SHA-256 and length; raise ``ValueError`` if either is wrong."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != TINY_SHAKESPEARE_SHA256:
        raise ValueError(
            f"Tiny Shakespeare at {where} is not the expected file: its SHA-256 is {digest}, "
            f"expected {TINY_SHAKESPEARE_SHA256}. Delete it and try again (a partial download or an "
            f"edited copy causes this)."
        )
    text = raw.decode("utf-8")
    if len(text) != TINY_SHAKESPEARE_CHARS:  # implied by the hash; states the promise in plain words
        raise ValueError(f"Tiny Shakespeare at {where} has {len(text):,} characters, expected {TINY_SHAKESPEARE_CHARS:,}")
    return text


def tiny_shakespeare(cache_dir=None):
    """The Tiny Shakespeare corpus (Karpathy's char-rnn data set) as one string of 1,115,394 characters.

    About 40,000 lines from Shakespeare's plays, 65 distinct characters. The course ships a copy
    in ``groundup/datasets/tinyshakespeare.txt``; if that file is missing (an unusual install),
    the text is downloaded once from the char-rnn repository into ``cache_dir`` (default:
    ``$GROUNDUP_CACHE`` or ``~/.cache/groundup``). Either way its SHA-256 checksum is verified,
    and a ``ValueError`` says so if the file is not the expected one.
    """
    shipped = TINY_SHAKESPEARE_SHIPPED
    if shipped.is_file():
        return _verified_text(shipped.read_bytes(), shipped)
    if cache_dir is None:
        cache_dir = os.environ.get("GROUNDUP_CACHE") or pathlib.Path.home() / ".cache" / "groundup"
    cached = pathlib.Path(cache_dir) / "tinyshakespeare.txt"
    if not cached.is_file():
        try:
            with urllib.request.urlopen(TINY_SHAKESPEARE_URL, timeout=60) as response:
                raw = response.read()
        except OSError as err:
            raise RuntimeError(
                f"Tiny Shakespeare is not installed with the course ({shipped} is missing) and the download "
                f"from {TINY_SHAKESPEARE_URL} failed ({err}). Download that file by hand and save it as {cached}."
            ) from err
        _verified_text(raw, TINY_SHAKESPEARE_URL)  # check before caching, so a bad download is never kept
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(raw)
    return _verified_text(cached.read_bytes(), cached)
