"""PyTorch references for Chapter 5, regularization.

The hidden tests of ``solutions/05_regularization.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes) and returns torch tensors (or plain Python values);
``autograder.hidden.agree`` turns tensors back into NumPy for the comparison.

Conventions shared with the chapter:

* a float32 input is computed in float32 and gives a float32 result; every other
  input is computed in float64 (the output dtype follows the input dtype);
* examples are rows, so a weight matrix W has shape (d_in, d_out): PyTorch's
  ``nn.Linear.weight`` has shape (d_out, d_in), so the references initialize a
  (d_out, d_in) tensor and transpose it;
* ``weight_penalty`` is l1 * sum|w| + (l2 / 2) * sum w**2 over all arrays, and its
  gradient is the one autograd gives (``torch.abs`` has derivative 0 at 0);
* ``dropout`` draws ``rng.random(X.shape)`` once in training mode and keeps the
  entries whose draw is >= p (p is the DROP probability, as in ``nn.Dropout``);
  kept entries are scaled by 1 / (1 - p); with p = 1 everything is dropped;
* ``batchnorm_forward`` is ``nn.BatchNorm1d`` with PyTorch's momentum convention
  (new = (1 - momentum) * old + momentum * batch statistic), the biased batch
  variance to normalize and the unbiased one in the running variance;
* ``early_stopping`` replays a scripted list of validation losses.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _tensor(a):
    """A tensor copy of ``a``: float32 stays float32, anything else becomes float64."""
    a = np.asarray(a)
    dtype = np.float32 if a.dtype == np.float32 else np.float64
    return torch.tensor(np.array(a, dtype=dtype))


def _labels(labels):
    return torch.tensor(np.array(labels, dtype=np.int64))


# --- weight penalties -----------------------------------------------------------------------


def weight_penalty(weights, l2=0.0, l1=0.0):
    """(penalty as a float64 0-d tensor, list of gradients by autograd, each in its array's dtype)."""
    leaves = [_tensor(w).requires_grad_() for w in weights]
    total = torch.zeros((), dtype=torch.float64)
    for w in leaves:
        total = total + (l1 * w.abs().sum() + 0.5 * l2 * (w * w).sum()).to(torch.float64)
    if leaves:
        total.backward()
    return total.detach(), [w.grad if w.grad is not None else torch.zeros_like(w) for w in leaves]


# --- dropout ----------------------------------------------------------------------------------


def dropout(X, p, seed, draws_before=0, train=True):
    """(A, mask) for dropout of X with drop probability p, from ``np.random.default_rng(seed)``.

    ``draws_before`` earlier calls on arrays of X's shape have already advanced the
    generator. The mask is the factor each entry is multiplied by: 0 or 1 / (1 - p).
    """
    X = _tensor(X)
    if not train:
        return X.clone(), torch.ones_like(X)
    rng = np.random.default_rng(seed)
    for _ in range(draws_before):
        rng.random(X.shape)
    keep = torch.tensor(rng.random(X.shape) >= p)
    if p >= 1:
        return torch.zeros_like(X), torch.zeros_like(X)
    # The same product PyTorch's dropout forms: input * (keep * (1 / (1 - p))).
    mask = keep.to(X.dtype) * (1.0 / (1.0 - p))
    return X * mask, mask


def dropout_backward(dA, mask):
    """dL/dX of A = X * mask, by autograd."""
    mask = _tensor(mask)
    X = torch.zeros_like(mask).requires_grad_()
    (X * mask).backward(_tensor(dA).to(mask.dtype))
    return X.grad


# --- early stopping ---------------------------------------------------------------------------


def early_stopping(losses, patience, min_delta=0.0):
    """Replay ``losses`` epoch by epoch; return (epoch at which it stops, or None, best epoch, best loss).

    An epoch improves when it is the first one, or when its loss < best - min_delta.
    Training stops after ``patience`` epochs in a row without improvement.
    """
    best_epoch, best, bad = None, math.inf, 0
    for epoch, loss in enumerate(losses):
        if best_epoch is None or loss < best - min_delta:
            best_epoch, best, bad = epoch, loss, 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch, best
    return None, best_epoch, best


# --- label smoothing --------------------------------------------------------------------------


def smoothed_cross_entropy(logits, labels, s=0.0, reduction="mean"):
    """``F.cross_entropy`` with ``label_smoothing=s``: mean, sum or none."""
    return F.cross_entropy(_tensor(logits), _labels(labels), label_smoothing=s, reduction=reduction)


# --- batch normalization ----------------------------------------------------------------------


def batchnorm_forward(X, gamma, beta, running_mean, running_var, train=True, momentum=0.1,
                      eps=1e-5):
    """(A, new running mean, new running variance) from ``nn.BatchNorm1d`` in train or eval mode."""
    X = _tensor(X)
    d = X.shape[1]
    bn = nn.BatchNorm1d(d, eps=eps, momentum=momentum, dtype=X.dtype)
    with torch.no_grad():
        bn.weight.copy_(_tensor(gamma).to(X.dtype))
        bn.bias.copy_(_tensor(beta).to(X.dtype))
        bn.running_mean.copy_(_tensor(running_mean).to(X.dtype))
        bn.running_var.copy_(_tensor(running_var).to(X.dtype))
    bn.train(train)
    with torch.no_grad():
        out = bn(X)
    return out, bn.running_mean.clone(), bn.running_var.clone()


def batchnorm_backward(dA, X, gamma, eps=1e-5):
    """(dX, dgamma, dbeta) of training-mode batch norm by autograd (batch statistics)."""
    X = _tensor(X).requires_grad_()
    gamma = _tensor(gamma).to(X.dtype).requires_grad_()
    beta = torch.zeros_like(gamma).requires_grad_()
    out = F.batch_norm(X, None, None, gamma, beta, training=True, eps=eps)
    out.backward(_tensor(dA).to(X.dtype))
    return X.grad, gamma.grad, beta.grad


# --- initialization ---------------------------------------------------------------------------

METHODS = ("lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform", "he_normal",
           "he_uniform")


def _init_(weight, method, negative_slope, generator):
    if method == "lecun_normal":
        nn.init.kaiming_normal_(weight, nonlinearity="linear", generator=generator)
    elif method == "lecun_uniform":
        nn.init.kaiming_uniform_(weight, nonlinearity="linear", generator=generator)
    elif method == "xavier_normal":
        nn.init.xavier_normal_(weight, generator=generator)
    elif method == "xavier_uniform":
        nn.init.xavier_uniform_(weight, generator=generator)
    elif method == "he_normal":
        nn.init.kaiming_normal_(weight, a=negative_slope, nonlinearity="leaky_relu",
                                generator=generator)
    elif method == "he_uniform":
        nn.init.kaiming_uniform_(weight, a=negative_slope, nonlinearity="leaky_relu",
                                 generator=generator)
    else:
        raise ValueError(method)
    return weight


def initialize(d_in, d_out, seed, method, negative_slope=0.0):
    """A (d_in, d_out) float64 weight matrix drawn by ``nn.init`` on a (d_out, d_in) tensor."""
    generator = torch.Generator().manual_seed(seed)
    weight = torch.empty(d_out, d_in, dtype=torch.float64)  # nn.Linear's (out, in) layout
    return _init_(weight, method, negative_slope, generator).T.contiguous()


def init_scale(d_in, d_out, method, negative_slope=0.0):
    """(std, bound) of the distribution ``nn.init`` draws from; bound is None for a normal."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(d_out, d_in))
    if method.startswith("lecun"):
        std = 1.0 / math.sqrt(fan_in)
    elif method.startswith("xavier"):
        std = math.sqrt(2.0 / (fan_in + fan_out))
    else:
        std = nn.init.calculate_gain("leaky_relu", negative_slope) / math.sqrt(fan_in)
    return std, (math.sqrt(3.0) * std if method.endswith("uniform") else None)


# --- activations ------------------------------------------------------------------------------


def _value_and_derivative(fn, Z):
    Z = _tensor(Z).requires_grad_()
    A = fn(Z)
    A.backward(torch.ones_like(A))
    return A.detach(), Z.grad


def leaky_relu(Z, slope=0.01):
    """(A, dA/dZ) of ``F.leaky_relu``; at 0 the derivative is ``slope``, as in PyTorch."""
    return _value_and_derivative(lambda z: F.leaky_relu(z, slope), Z)


def elu(Z, alpha=1.0):
    """(A, dA/dZ) of ``F.elu``; at 0 the derivative is ``alpha``, as in PyTorch."""
    return _value_and_derivative(lambda z: F.elu(z, alpha), Z)


def gelu(Z, approximate="none"):
    """(A, dA/dZ) of ``F.gelu``, exact (erf) or with the tanh approximation."""
    return _value_and_derivative(lambda z: F.gelu(z, approximate=approximate), Z)
