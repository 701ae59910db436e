"""Small data sets the chapters share. Each is generated from a seed, so every run is the same."""

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
