"""PyTorch references for Chapter 7, recurrent networks.

The hidden tests of ``solutions/07_rnns.md`` compare each graded exercise with the
function of the same name here. Every function accepts NumPy arrays and returns torch
tensors (or plain Python values); ``autograder.hidden.agree`` turns tensors back into
NumPy for the comparison.

Conventions shared with the chapter:

* a float32 input is computed in float32 and gives a float32 result; every other input
  is computed in float64;
* examples are rows: a hidden state is a row h of width H and a layer computes
  ``x W_xh + h W_hh + b_h`` with W_xh of shape (d, H). PyTorch stores ``weight_ih`` as
  (H, d) and computes ``x weight_ih^T``, so the references copy the TRANSPOSED matrices
  into PyTorch's modules. PyTorch has two biases (``bias_ih`` and ``bias_hh``); where the
  course has one (RNN, LSTM) it goes into ``bias_ih`` and ``bias_hh`` is zero;
* sequences are batch-first, (N, T, d), like ``nn.RNN(batch_first=True)``;
* gate blocks are stacked along the columns in PyTorch's order: i, f, g, o for the LSTM
  and r, z, n for the GRU (``h' = (1 - z) * n + z * h``, and r multiplies
  ``h W_hn + b_hn``, bias included).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _tensor(a, dtype=None):
    """A tensor copy of ``a``: float32 stays float32, anything else becomes float64."""
    a = np.asarray(a)
    if dtype is None:
        dtype = np.float32 if a.dtype == np.float32 else np.float64
    return torch.tensor(np.array(a, dtype=dtype))


def _dtype(X):
    return np.float32 if np.asarray(X).dtype == np.float32 else np.float64


def _torch_dtype(X):
    return torch.float32 if np.asarray(X).dtype == np.float32 else torch.float64


def _load(module, suffix, W_x, W_h, b_x, b_h=None):
    """Copy course-layout weights (d x G, H x G) into a PyTorch module's (G x d, G x H)."""
    dt = next(module.parameters()).dtype
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(torch.tensor(np.asarray(W_x)).T.to(dt))
        getattr(module, "weight_hh" + suffix).copy_(torch.tensor(np.asarray(W_h)).T.to(dt))
        getattr(module, "bias_ih" + suffix).copy_(torch.tensor(np.asarray(b_x)).to(dt))
        bias_hh = getattr(module, "bias_hh" + suffix)
        if b_h is None:
            bias_hh.zero_()
        else:
            bias_hh.copy_(torch.tensor(np.asarray(b_h)).to(dt))


# --- the vanilla RNN ------------------------------------------------------------------------


def rnn_cell(x, h_prev, W_xh, W_hh, b_h, nonlinearity="tanh"):
    """One step of ``nn.RNNCell`` with copied weights: (N, H)."""
    d, H = np.asarray(W_xh).shape
    cell = nn.RNNCell(d, H, nonlinearity=nonlinearity, dtype=_torch_dtype(x))
    _load(cell, "", W_xh, W_hh, b_h)
    with torch.no_grad():
        return cell(_tensor(x), _tensor(h_prev, _dtype(x)))


def rnn_forward(X, W_xh, W_hh, b_h, h0=None, nonlinearity="tanh"):
    """(all hidden states (N, T, H), last hidden state (N, H)) from ``nn.RNN(batch_first=True)``."""
    d, H = np.asarray(W_xh).shape
    rnn = nn.RNN(d, H, nonlinearity=nonlinearity, batch_first=True, dtype=_torch_dtype(X))
    _load(rnn, "_l0", W_xh, W_hh, b_h)
    X = _tensor(X)
    h0 = torch.zeros(1, X.shape[0], H, dtype=X.dtype) if h0 is None \
        else _tensor(h0, _dtype(X))[None]
    if X.shape[1] == 0:  # nn.RNN refuses an empty sequence: no step, the state stays h0
        return torch.zeros(X.shape[0], 0, H, dtype=X.dtype), h0[0]
    with torch.no_grad():
        out, h_n = rnn(X, h0)
    return out, h_n[0]


def rnn_backward(X, h0, W_xh, W_hh, b_h, dH):
    """Gradients of sum(H * dH) through ``nn.RNN`` (tanh) by autograd, as a dict of tensors."""
    d, H = np.asarray(W_xh).shape
    dt = _dtype(X)
    rnn = nn.RNN(d, H, batch_first=True, dtype=_torch_dtype(X))
    _load(rnn, "_l0", W_xh, W_hh, b_h)
    X = _tensor(X).requires_grad_()
    h0 = _tensor(h0, dt)[None].requires_grad_()
    out, _ = rnn(X, h0)
    out.backward(_tensor(dH, dt))
    return {"X": X.grad, "h0": h0.grad[0], "W_xh": rnn.weight_ih_l0.grad.T,
            "W_hh": rnn.weight_hh_l0.grad.T, "b_h": rnn.bias_ih_l0.grad}


# --- gradient clipping ----------------------------------------------------------------------


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    """(clipped gradients, total norm as a float) from ``torch.nn.utils.clip_grad_norm_``."""
    params = []
    for g in grads:
        g = _tensor(g)
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g.clone()
        params.append(p)
    # An array without entries adds nothing to the norm (and PyTorch's infinity-norm
    # refuses one), so it is left out of the call and comes back as it is.
    full = [p for p in params if p.numel()]
    total = torch.nn.utils.clip_grad_norm_(full, max_norm, norm_type=norm_type) if full else 0.0
    return [p.grad for p in params], float(total)


# --- gated cells ----------------------------------------------------------------------------


def lstm_cell(x, h_prev, c_prev, W_x, W_h, b):
    """(h, c) from ``nn.LSTMCell`` with copied weights (gate blocks i, f, g, o)."""
    d, G = np.asarray(W_x).shape
    cell = nn.LSTMCell(d, G // 4, dtype=_torch_dtype(x))
    _load(cell, "", W_x, W_h, b)
    dt = _dtype(x)
    with torch.no_grad():
        return cell(_tensor(x), (_tensor(h_prev, dt), _tensor(c_prev, dt)))


def gru_cell(x, h_prev, W_x, W_h, b_x, b_h):
    """h' from ``nn.GRUCell`` with copied weights (gate blocks r, z, n)."""
    d, G = np.asarray(W_x).shape
    cell = nn.GRUCell(d, G // 3, dtype=_torch_dtype(x))
    _load(cell, "", W_x, W_h, b_x, b_h)
    with torch.no_grad():
        return cell(_tensor(x), _tensor(h_prev, _dtype(x)))


# --- bidirectional RNN ----------------------------------------------------------------------


def bidirectional_rnn(X, forward, backward, h0=None):
    """(outputs (N, T, 2H), final states (2, N, H)) from ``nn.RNN(bidirectional=True)``.

    ``forward`` and ``backward`` are (W_xh, W_hh, b_h) of each direction.
    """
    d, H = np.asarray(forward[0]).shape
    rnn = nn.RNN(d, H, batch_first=True, bidirectional=True, dtype=_torch_dtype(X))
    _load(rnn, "_l0", *forward)
    _load(rnn, "_l0_reverse", *backward)
    X = _tensor(X)
    h0 = torch.zeros(2, X.shape[0], H, dtype=X.dtype) if h0 is None else _tensor(h0, _dtype(X))
    with torch.no_grad():
        return rnn(X, h0)


# --- the language model's loss --------------------------------------------------------------


def char_lm_loss(logits, targets, ignore_index=None):
    """(mean cross-entropy over the counted positions as a float, its gradient by autograd).

    ``F.cross_entropy`` over the flattened (N * T, V) logits; positions whose target is
    ``ignore_index`` are left out. If none is counted, the loss is 0.0 and the gradient 0.
    """
    logits = _tensor(logits).requires_grad_()
    targets = torch.tensor(np.array(targets, dtype=np.int64))
    V = logits.shape[-1]
    flat = targets.reshape(-1)
    if ignore_index is not None and bool((flat == ignore_index).all()) or flat.numel() == 0:
        return 0.0, torch.zeros_like(logits.detach())
    loss = F.cross_entropy(logits.reshape(-1, V), flat,
                           ignore_index=-100 if ignore_index is None else ignore_index)
    loss.backward()
    return float(loss.detach()), logits.grad
