"""PyTorch references for Chapter 3, backpropagation.

The hidden tests of ``solutions/03_backpropagation.md`` compare each graded
exercise with the function of the same name here. Gradients come from
``torch.autograd``, never from a hand-written backward pass, so a student's
backpropagation is judged against an independent computation. Every function
accepts NumPy arrays and returns torch tensors (or lists of them);
``autograder.hidden.agree`` turns them back into NumPy for the comparison.

Conventions shared with the chapter:

* one example per row: a dense layer maps ``X`` of shape (N, d_in) to
  ``Z = X @ W + b`` with ``W`` of shape (d_in, d_out) and ``b`` of shape (d_out,);
* a network is a list of ``(W, b)`` pairs; every layer but the last is followed
  by the hidden activation (``"sigmoid"`` or ``"relu"``), the last layer's
  output holds the logits, and the loss is the mean softmax cross-entropy over
  the batch, with integer labels in ``0 .. C-1``; ReLU'(0) is 0, as in torch;
* the relative error between an analytic gradient ``a`` and a numeric one ``g``
  is ``max |a - g| / max(max(|a| + |g|), tiny)``, with ``tiny`` the smallest
  positive normal float64, so two all-zero gradients agree perfectly.
"""

import numpy as np
import torch
import torch.nn.functional as F


def _tensor(a, requires_grad=False):
    """A tensor holding a copy of ``a``, keeping its floating dtype (float32 stays float32)."""
    array = np.array(a)
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return torch.tensor(array, requires_grad=requires_grad)


def _f64(a, requires_grad=False):
    """A float64 tensor holding a copy of ``a``."""
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def dense_forward(X, W, b):
    """X @ W + b for X (N, d_in), W (d_in, d_out), b (d_out,), in the inputs' dtype."""
    return _tensor(X) @ _tensor(W) + _tensor(b)


def sigmoid_derivative(z):
    """d sigmoid(z) / dz entry by entry, by autograd, in z's dtype and shape."""
    z = _tensor(z, requires_grad=True)
    torch.sigmoid(z).sum().backward()
    return z.grad


def output_error(logits, labels):
    """Gradient of the mean softmax cross-entropy with respect to the logits (N, C), by autograd."""
    logits = _tensor(logits, requires_grad=True)
    F.cross_entropy(logits, torch.as_tensor(np.asarray(labels), dtype=torch.int64)).backward()
    return logits.grad


def dense_backward(dZ, X, W):
    """(dX, dW, db) for Z = X @ W + b, given dZ = dL/dZ, by autograd (b's value does not matter)."""
    X, W = _tensor(X, requires_grad=True), _tensor(W, requires_grad=True)
    b = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)
    (X @ W + b).backward(_tensor(dZ))
    return X.grad, W.grad, b.grad


def _hidden(activation):
    return {"sigmoid": torch.sigmoid, "relu": torch.relu}[activation]


def loss(params, X, y, activation):
    """Mean softmax cross-entropy of the network ``params`` on (X, y), float64, as a 0-d tensor.

    ``params`` may hold NumPy arrays or float64 tensors (which then receive gradients).
    """
    A = _f64(X)
    for layer, (W, b) in enumerate(params):
        W = W if isinstance(W, torch.Tensor) else _f64(W)
        b = b if isinstance(b, torch.Tensor) else _f64(b)
        Z = A @ W + b
        A = _hidden(activation)(Z) if layer < len(params) - 1 else Z
    return F.cross_entropy(A, torch.as_tensor(np.asarray(y), dtype=torch.int64))


def backward(params, X, y, activation):
    """Every parameter's gradient of the mean cross-entropy, by autograd: a list of (dW, db) pairs."""
    leaves = [(_f64(W, True), _f64(b, True)) for W, b in params]
    loss(leaves, X, y, activation).backward()
    return [(W.grad, b.grad) for W, b in leaves]


def gradient(f, x):
    """Autograd gradient of a scalar torch function ``f`` at ``x`` (float64, x's shape)."""
    x = _f64(x, requires_grad=True)
    f(x).backward()
    return x.grad


def relative_error(analytic, numeric):
    """max |a - g| / max(max(|a| + |g|), tiny) as a 0-d float64 tensor."""
    a, g = _f64(analytic), _f64(numeric)
    if a.numel() == 0:
        return torch.tensor(0.0, dtype=torch.float64)
    worst = (a - g).abs().max()
    scale = torch.clamp((a.abs() + g.abs()).max(), min=torch.finfo(torch.float64).tiny)
    return worst / scale


def train_step(params, X, y, lr, activation="relu"):
    """One step of gradient descent on the mean cross-entropy, by autograd.

    Returns (new_params, loss): new_params a list of (W, b) float64 tensors,
    W - lr * dW and b - lr * db, and loss the mean cross-entropy before the step.
    """
    leaves = [(_f64(W, True), _f64(b, True)) for W, b in params]
    value = loss(leaves, X, y, activation)
    value.backward()
    with torch.no_grad():
        new_params = [(W - lr * W.grad, b - lr * b.grad) for W, b in leaves]
    return new_params, value.detach()
