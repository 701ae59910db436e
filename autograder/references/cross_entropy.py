"""PyTorch references for Chapter 2, cross-entropy: from scores to probabilities.

The hidden tests of ``solutions/02_cross_entropy.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes) and returns torch tensors; ``autograder.hidden.agree``
turns them back into NumPy for the comparison.

Conventions shared with the chapter:

* a float32 input is computed in float32 and gives a float32 result; every other
  input is computed in float64 (the output dtype follows the input dtype);
* labels are integers: 0 or 1 for the binary losses, 0 .. k-1 for k classes;
* ``binary_cross_entropy`` clips the probabilities to ``[EPS, 1 - EPS]`` with
  ``EPS = 1e-7``, both bounds rounded to the dtype of ``p``, before taking logs;
* the losses are means over all entries (``cross_entropy`` also has ``"sum"``);
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


def softmax(z, axis=-1):
    """Softmax of z along ``axis``: every slice along that axis is positive and sums to 1."""
    return torch.softmax(_tensor(z), dim=axis)


def one_hot(labels, num_classes):
    """float64 matrix (n, num_classes) with a single 1 per row, in the column of that row's label."""
    return F.one_hot(_labels(labels), num_classes).to(torch.float64)


def binary_cross_entropy(p, y, eps=EPS):
    """Mean of -[y log p + (1 - y) log(1 - p)], with p clipped to [eps, 1 - eps] first (0-d tensor)."""
    p = _tensor(p)
    return F.binary_cross_entropy(p.clamp(eps, 1 - eps), _tensor(y).to(p.dtype))


def binary_cross_entropy_with_logits(z, y):
    """Mean binary cross-entropy of the probabilities sigmoid(z), computed from the logits z (0-d tensor)."""
    z = _tensor(z)
    return F.binary_cross_entropy_with_logits(z, _tensor(y).to(z.dtype))


def cross_entropy(logits, labels, reduction="mean"):
    """Cross-entropy of softmax(logits) (n, k) against integer labels (n,), averaged or summed (0-d tensor)."""
    return F.cross_entropy(_tensor(logits), _labels(labels), reduction=reduction)


def softmax_jacobian(z):
    """The (k, k) matrix of partial derivatives d softmax(z)_i / d z_j for one vector z of shape (k,)."""
    return jacobian(lambda t: torch.softmax(t, dim=0), _tensor(z))


def cross_entropy_grad(logits, labels):
    """Gradient (n, k) of the mean cross-entropy with respect to the logits, by autograd."""
    logits = _tensor(logits).requires_grad_()
    F.cross_entropy(logits, _labels(labels), reduction="mean").backward()
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
