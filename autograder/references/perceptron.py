"""PyTorch references for Chapter 1, the perceptron.

The hidden tests of ``solutions/01_perceptron.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes), computes with float64 tensors and returns torch
tensors; ``autograder.hidden.agree`` turns them back into NumPy for the comparison.

Conventions shared with the chapter:

* labels are 0 or 1;
* ``step(z)`` is 1 when ``z >= 0`` and 0 otherwise, so a point exactly on the
  boundary is predicted as class 1;
* training starts from zero weights and a zero bias, visits the points in the
  order they are given, and stops after the first epoch without a mistake or
  after ``max_epochs`` epochs, whichever comes first.
"""

import numpy as np
import torch


def _f64(a):
    """A float64 tensor holding a copy of ``a``."""
    return torch.tensor(np.ascontiguousarray(a, dtype=np.float64))


def step(z):
    """Heaviside step with step(0) = 1, as int64."""
    return (z >= 0).to(torch.int64)


def predict(X, w, b):
    """0/1 prediction, int64 of shape (n,), for the rows of X (n, d) with weights w (d,) and bias b."""
    X, w = _f64(X), _f64(w)
    return step(X @ w + float(b))


def perceptron_update(w, b, x, y, lr):
    """One step of the perceptron trick on the point (x, y): returns new (w, b) as float64 tensors.

    w <- w + lr * (y - yhat) * x and b <- b + lr * (y - yhat), where yhat is the
    current prediction for x. A correctly classified point leaves both unchanged.
    """
    w, x = _f64(w), _f64(x)
    b = torch.tensor(float(b), dtype=torch.float64)
    y_hat = int(step(x @ w + b))
    error = float(int(y) - y_hat)  # -1, 0 or +1, as a Python float so lr stays float64
    return w + lr * error * x, b + lr * error


def train_perceptron(X, y, lr=1.0, max_epochs=100):
    """The perceptron algorithm: returns (w, b, mistakes), mistakes an int64 tensor with one count per epoch."""
    X = _f64(X)
    y = [int(v) for v in np.asarray(y)]
    w = torch.zeros(X.shape[1], dtype=torch.float64)
    b = torch.tensor(0.0, dtype=torch.float64)
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, y):
            if int(step(x_i @ w + b)) != y_i:
                count += 1
                w, b = perceptron_update(w, b, x_i, y_i, lr)
        mistakes.append(count)
        if count == 0:
            break
    return w, b, torch.tensor(mistakes, dtype=torch.int64)


def multi_output_predict(X, W, b):
    """k perceptrons side by side: step(X @ W + b), int64 of shape (n, k), for X (n, d), W (d, k), b (k,)."""
    X, W, b = _f64(X), _f64(W), _f64(b)
    return step(X @ W + b)


def gate_truth_table(name):
    """Inputs (float64, one row per input combination) and int64 outputs of a logic gate.

    'and', 'or', 'nand', 'nor' and 'implies' ("if x1 then x2") take two inputs
    (four rows); 'not' takes one (two rows).
    """
    if name == "not":
        a = torch.tensor([False, True])
        return a.to(torch.float64)[:, None], torch.logical_not(a).to(torch.int64)
    a = torch.tensor([False, False, True, True])
    c = torch.tensor([False, True, False, True])
    outputs = {
        "and": torch.logical_and(a, c),
        "or": torch.logical_or(a, c),
        "nand": torch.logical_not(torch.logical_and(a, c)),
        "nor": torch.logical_not(torch.logical_or(a, c)),
        "implies": torch.logical_or(torch.logical_not(a), c),
    }
    return torch.stack([a, c], dim=1).to(torch.float64), outputs[name].to(torch.int64)


def margin(X, w, b):
    """Smallest distance |x @ w + b| / ||w|| from a row x of X (n, d) to the boundary of (w, b).

    Zero weights have no boundary: their margin is 0.
    """
    X, w = _f64(X), _f64(w)
    norm = torch.linalg.vector_norm(w)
    if norm == 0:
        return torch.tensor(0.0, dtype=torch.float64)
    return (torch.abs(X @ w + float(b)) / norm).min()


def xor(X):
    """XOR of the two columns of a 0/1 matrix X (n, 2), as int64 of shape (n,)."""
    X = _f64(X).reshape(-1, 2)
    return torch.logical_xor(X[:, 0] != 0, X[:, 1] != 0).to(torch.int64)
