"""PyTorch references for Chapter 2, cross-entropy: from scores to probabilities.

The hidden tests of ``solutions/02_cross_entropy.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes) and returns torch tensors; ``autograder.hidden.agree``
turns them back into NumPy for the comparison.

Conventions shared with the chapter:

* a float32 input is computed in float32 and gives a float32 result; every other
  input is computed in float64 (the output dtype follows the input dtype);
* labels are integers: 0 or 1 for the binary losses, 0 .. C-1 for C classes;
* ``binary_cross_entropy`` clips the probabilities to ``[EPS, 1 - EPS]`` with
  ``EPS = 1e-7``, both bounds rounded to the dtype of ``p``, before taking logs;
* ``binary_cross_entropy`` also takes other clipping margins ``eps``;
* ``softmax`` divides by the temperature ``tau`` before normalizing;
* ``one_hot`` mixes the one-hot rows with the uniform distribution when
  ``smoothing`` > 0 (PyTorch's ``label_smoothing``), in float64;
* the losses are means over all entries (``cross_entropy`` also has ``"sum"``
  and ``"none"``);
* ``cross_entropy_grad`` is the gradient of the mean cross-entropy against the
  (possibly smoothed) targets of ``one_hot``;
* ``logistic_regression_step`` takes one gradient-descent step on the mean binary
  cross-entropy of the model ``sigmoid(X @ w + b)``, in float64.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

EPS = 1e-7


def _tensor(a):
    """A tensor copy of ``a``: float32 stays float32, anything else becomes float64."""
    a = np.asarray(a)
    dtype = np.float32 if a.dtype == np.float32 else np.float64
    return torch.tensor(np.array(a, dtype=dtype))  # np.array keeps 0-d arrays 0-d


def _labels(labels):
    """Integer class labels as an int64 tensor."""
    return torch.tensor(np.array(labels, dtype=np.int64))


def stable_sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), entry by entry, same shape and dtype as z."""
    return torch.sigmoid(_tensor(z))


def softmax(z, axis=-1, tau=1.0):
    """Softmax of z / tau along ``axis``: every slice along that axis is positive and sums to 1."""
    return torch.softmax(_tensor(z) / tau, dim=axis)


def one_hot(labels, num_classes, smoothing=0.0):
    """float64 (N, C): (1 - smoothing) * one-hot rows + smoothing / C (plain one-hot rows for 0)."""
    Y = F.one_hot(_labels(labels), num_classes).to(torch.float64)
    return (1.0 - smoothing) * Y + smoothing / num_classes


def binary_cross_entropy(p, y, eps=EPS):
    """Mean of -[y log p + (1 - y) log(1 - p)], with p clipped to [eps, 1 - eps] first (0-d tensor)."""
    p = _tensor(p)
    return F.binary_cross_entropy(p.clamp(eps, 1 - eps), _tensor(y).to(p.dtype))


def binary_cross_entropy_with_logits(z, y):
    """Mean binary cross-entropy of the probabilities sigmoid(z), computed from the logits z (0-d tensor)."""
    z = _tensor(z)
    return F.binary_cross_entropy_with_logits(z, _tensor(y).to(z.dtype))


def cross_entropy(logits, labels, reduction="mean"):
    """Cross-entropy of softmax(logits) (N, C) against integer labels (N,): mean, sum or none."""
    return F.cross_entropy(_tensor(logits), _labels(labels), reduction=reduction)


def softmax_jacobian(z):
    """The (C, C) matrix of partial derivatives d softmax(z)_c / d z_k for one z of shape (C,)."""
    return jacobian(lambda t: torch.softmax(t, dim=0), _tensor(z))


def cross_entropy_grad(logits, labels, smoothing=0.0):
    """Gradient (N, C) of the mean cross-entropy (label smoothing ``smoothing``) by autograd."""
    logits = _tensor(logits).requires_grad_()
    F.cross_entropy(logits, _labels(labels), reduction="mean", label_smoothing=smoothing).backward()
    return logits.grad


def logistic_regression_step(w, b, X, y, lr):
    """One gradient-descent step on the mean binary cross-entropy of sigmoid(X @ w + b): new (w, b), float64."""
    w = torch.tensor(np.array(w, dtype=np.float64), requires_grad=True)
    b = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    X = torch.tensor(np.array(X, dtype=np.float64))
    y = torch.tensor(np.array(y, dtype=np.float64))
    loss = F.binary_cross_entropy_with_logits(X @ w + b, y)
    loss.backward()
    with torch.no_grad():
        return w - lr * w.grad, b - lr * b.grad
