"""PyTorch references for Chapter 8, attention (and the word vectors that feed it).

The hidden tests of ``solutions/08_attention.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes) and returns torch tensors, which
``autograder.hidden.agree`` turns back into NumPy for the comparison.

Conventions shared with the chapter:

* attention inputs have shape (..., seq, d) with any number of leading batch or
  head dimensions; a query attends over the keys along the second-to-last axis;
* masks are boolean and True means "this query may attend to this key", the
  convention of ``torch.nn.functional.scaled_dot_product_attention`` (and the
  opposite of ``torch.nn.MultiheadAttention``'s ``attn_mask``, where True blocks);
* the student's projections act as ``y = x @ W + b`` with ``W`` of shape
  (d_in, d_out); PyTorch stores the transpose (out, in), so we transpose when
  copying weights into ``nn.MultiheadAttention``;
* PPMI uses the natural logarithm, and is 0 wherever a count is 0;
* the sinusoidal encoding puts sin on the even columns and cos on the odd ones,
  both of the angle position / 10000 ** (2i / d_model) for the column pair i.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F


def _t(a, dtype=None):
    """A tensor holding a copy of ``a`` (keeping a float32 array float32 unless ``dtype`` says otherwise)."""
    arr = np.array(a, dtype=dtype, copy=True)
    return torch.from_numpy(arr)


def softmax(x, axis=-1):
    """Softmax along ``axis``, in the dtype of ``x``."""
    return torch.softmax(_t(x), dim=axis)


def log_softmax(x, axis=-1):
    """Log-softmax along ``axis``, in the dtype of ``x``."""
    return torch.log_softmax(_t(x), dim=axis)


def causal_mask(n):
    """Boolean (n, n) mask, True on and below the diagonal: query i may attend to keys 0..i."""
    return torch.tril(torch.ones(n, n)).bool()


def scaled_dot_product_attention(Q, K, V, mask=None):
    """(output, weights) of softmax(Q K^T / sqrt(d_k)) V; ``mask`` True = may attend.

    The output comes from PyTorch's fused ``F.scaled_dot_product_attention``; the
    weights (which that function does not return) from the textbook formula, with
    blocked scores set to -inf before the softmax.
    """
    Q, K, V = _t(Q), _t(K), _t(V)
    attn_mask = None if mask is None else _t(mask, dtype=bool)
    output = F.scaled_dot_product_attention(Q, K, V, attn_mask=attn_mask)
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    return output, torch.softmax(scores, dim=-1)


def multi_head_attention(x_q, x_kv, Wq, Wk, Wv, Wo, bq, bk, bv, bo, num_heads, mask=None):
    """(output, per-head weights) of ``torch.nn.MultiheadAttention`` with the given parameters.

    x_q (batch, seq_q, d_model), x_kv (batch, seq_kv, d_model); W* (d_model, d_model)
    acting as x @ W + b; mask (seq_q, seq_kv) bool, True = may attend. Returns the
    output (batch, seq_q, d_model) and the weights (batch, num_heads, seq_q, seq_kv).
    """
    np_dtype = np.asarray(x_q).dtype
    x_q, x_kv = _t(x_q), _t(x_kv, dtype=np_dtype)
    d_model = x_q.shape[-1]
    mha = torch.nn.MultiheadAttention(d_model, num_heads, batch_first=True, dtype=x_q.dtype)
    with torch.no_grad():
        # torch computes x @ in_proj_weight.T, so its weights are the transposes of ours.
        mha.in_proj_weight.copy_(torch.cat([_t(W, dtype=np_dtype).T for W in (Wq, Wk, Wv)], dim=0))
        mha.in_proj_bias.copy_(torch.cat([_t(b, dtype=np_dtype) for b in (bq, bk, bv)]))
        mha.out_proj.weight.copy_(_t(Wo, dtype=np_dtype).T)
        mha.out_proj.bias.copy_(_t(bo, dtype=np_dtype))
    mha.eval()
    # nn.MultiheadAttention's boolean attn_mask means "blocked" where True: the opposite of ours.
    blocked = None if mask is None else ~_t(mask, dtype=bool)
    with torch.no_grad():
        output, weights = mha(x_q, x_kv, x_kv, attn_mask=blocked, need_weights=True, average_attn_weights=False)
    return output, weights


def sinusoidal_positional_encoding(seq_len, d_model):
    """float64 (seq_len, d_model): sin on even columns, cos on odd columns, base 10000."""
    position = torch.arange(seq_len, dtype=torch.float64)[:, None]
    pair = torch.arange(0, d_model, 2, dtype=torch.float64)  # 2i for each column pair
    angle = position * torch.exp(-math.log(10000.0) * pair / d_model)
    pe = torch.zeros(seq_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe


def ppmi(counts):
    """Positive pointwise mutual information of a (words, contexts) count matrix, float64, natural log.

    PPMI(w, c) = max(0, log(N(w, c) * N / (N(w) * N(c)))) where N(w, c) > 0, else 0.
    """
    N = _t(counts, dtype=np.float64)
    total = N.sum()
    row = N.sum(dim=1, keepdim=True)
    col = N.sum(dim=0, keepdim=True)
    seen = N > 0
    # Where a count is positive, its row sum, column sum and the total are positive too.
    denominator = torch.where(seen, row * col, torch.ones_like(N))
    ratio = torch.where(seen, N * total / denominator, torch.ones_like(N))
    return torch.clamp(torch.log(ratio), min=0.0)


def skipgram_loss_and_grad(center_vec, context_vecs, context_index):
    """Full-softmax skip-gram loss -log p(o | c) and its gradients, by autograd (float64).

    center_vec v_c (d,), context_vecs U (V, d), context_index o. Returns
    (loss, grad_center (d,), grad_context (V, d)).
    """
    v = _t(center_vec, dtype=np.float64).requires_grad_(True)
    U = _t(context_vecs, dtype=np.float64).requires_grad_(True)
    scores = U @ v
    loss = F.cross_entropy(scores[None, :], torch.tensor([int(context_index)]))
    loss.backward()
    return loss.detach(), v.grad, U.grad
