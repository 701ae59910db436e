"""PyTorch references for Chapter 8, attention (and the word vectors that feed it).

The hidden tests of ``solutions/08_attention.md`` compare each graded exercise
with the function of the same name here. Every function accepts NumPy arrays (or
anything ``np.asarray`` takes) and returns torch tensors, which
``autograder.hidden.agree`` turns back into NumPy for the comparison.

Conventions shared with the chapter:

* attention inputs have shape (..., T, d) with any number of leading batch or
  head dimensions; a query attends over the keys along the second-to-last axis;
* a mask is boolean, True meaning "this query may attend to this key", the
  convention of ``torch.nn.functional.scaled_dot_product_attention`` (and the
  opposite of ``torch.nn.MultiheadAttention``'s ``attn_mask``, where True blocks),
  or additive (float, 0 where allowed and -inf where blocked, added to the scores);
* a query that may attend to no key at all gets weights 0 and output 0, as in
  ``F.scaled_dot_product_attention`` (the plain softmax would give NaN);
* the causal mask puts the T_q queries at the last T_q of the T_k key positions (a
  key-value cache), and a padded batch holds each sequence's real tokens at the end
  (left padding, as for generation);
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


def causal_mask(T_q, T_k=None, lengths=None, additive=False):
    """The causal mask of the chapter, for a key-value cache and for left-padded batches.

    Query i sits at position T_k - T_q + i and may attend to the keys at positions up to
    its own. With ``lengths`` (N,), sequence n holds its real tokens at the last
    lengths[n] positions; padding keys are blocked for everyone and padding queries
    attend to nothing; the result has shape (N, 1, T_q, T_k). ``additive`` gives float64
    0 / -inf instead of bool.
    """
    T_k = T_q if T_k is None else T_k
    query_pos = torch.arange(T_k - T_q, T_k)[:, None]
    key_pos = torch.arange(T_k)[None, :]
    mask = key_pos <= query_pos
    if lengths is not None:
        start = (T_k - torch.as_tensor(np.asarray(lengths, dtype=np.int64)))[:, None, None, None]
        mask = mask & (key_pos >= start) & (query_pos >= start)
    if additive:
        blocked = torch.full(mask.shape, float("-inf"), dtype=torch.float64)
        return torch.where(mask, torch.zeros((), dtype=torch.float64), blocked)
    return mask


def _attn_mask(mask, dtype):
    """A bool mask as a bool tensor; an additive float mask as a tensor of the scores' dtype."""
    mask = np.asarray(mask)
    return _t(mask, dtype=bool) if mask.dtype == bool else _t(mask).to(dtype)


def scaled_dot_product_attention(Q, K, V, mask=None):
    """(output, weights) of softmax(Q K^T / sqrt(d_k)) V; ``mask`` bool (True = may attend) or additive.

    The output comes from PyTorch's fused ``F.scaled_dot_product_attention``, which
    gives a query with no allowed key an output of 0; the weights (which that function
    does not return) from the textbook formula, with blocked scores at -inf before the
    softmax, and a row of 0 for a query with no allowed key.
    """
    Q, K, V = _t(Q), _t(K), _t(V)
    attn_mask = None if mask is None else _attn_mask(mask, Q.dtype)
    output = F.scaled_dot_product_attention(Q, K, V, attn_mask=attn_mask)
    scores = Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    nothing = torch.isneginf(scores).all(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(nothing, 0.0), dim=-1).masked_fill(nothing, 0.0)
    return output, weights


def multi_head_attention(x_q, x_kv, Wq, Wk, Wv, Wo, bq, bk, bv, bo, num_heads, mask=None):
    """(output, per-head weights) of ``torch.nn.MultiheadAttention`` with the given parameters.

    x_q (N, T_q, d_model), x_kv (N, T_kv, d_model); W* (d_model, d_model) acting as
    x @ W + b; mask broadcastable to (N, num_heads, T_q, T_kv), bool (True = may attend)
    or additive. Returns the output (N, T_q, d_model) and the weights (N, num_heads,
    T_q, T_kv). A query with no allowed key gets weights 0 and, its heads' outputs
    being 0, the output bo (PyTorch's module would give NaN there).
    """
    np_dtype = np.asarray(x_q).dtype
    x_q, x_kv = _t(x_q), _t(x_kv, dtype=np_dtype)
    N, T_q, d_model = x_q.shape
    T_kv = x_kv.shape[1]
    mha = torch.nn.MultiheadAttention(d_model, num_heads, batch_first=True, dtype=x_q.dtype)
    with torch.no_grad():
        # torch computes x @ in_proj_weight.T, so its weights are the transposes of ours.
        mha.in_proj_weight.copy_(torch.cat([_t(W, dtype=np_dtype).T for W in (Wq, Wk, Wv)], dim=0))
        mha.in_proj_bias.copy_(torch.cat([_t(b, dtype=np_dtype) for b in (bq, bk, bv)]))
        mha.out_proj.weight.copy_(_t(Wo, dtype=np_dtype).T)
        mha.out_proj.bias.copy_(_t(bo, dtype=np_dtype))
    mha.eval()
    attn_mask, nothing = None, torch.zeros(N, num_heads, T_q, 1, dtype=torch.bool)
    if mask is not None:
        m = _attn_mask(mask, x_q.dtype)
        # nn.MultiheadAttention's boolean attn_mask means "blocked" where True: the opposite of ours.
        if m.dtype == torch.bool:
            m = torch.zeros(m.shape, dtype=x_q.dtype).masked_fill(~m, float("-inf"))
        additive = m
        additive = additive.broadcast_to(N, num_heads, T_q, T_kv)
        nothing = torch.isneginf(additive).all(dim=-1, keepdim=True)
        attn_mask = additive.reshape(N * num_heads, T_q, T_kv)
    with torch.no_grad():
        output, weights = mha(x_q, x_kv, x_kv, attn_mask=attn_mask, need_weights=True,
                              average_attn_weights=False)
    weights = weights.masked_fill(nothing, 0.0)
    empty = nothing.all(dim=1)  # (N, T_q, 1): every head of that query saw nothing
    output = torch.where(empty, _t(bo, dtype=np_dtype), output)
    return output, weights


def sinusoidal_positional_encoding(T, d_model):
    """float64 (T, d_model): sin on even columns, cos on odd columns, base 10000."""
    position = torch.arange(T, dtype=torch.float64)[:, None]
    pair = torch.arange(0, d_model, 2, dtype=torch.float64)  # 2i for each column pair
    angle = position * torch.exp(-math.log(10000.0) * pair / d_model)
    pe = torch.zeros(T, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe


def ppmi(counts):
    """Positive pointwise mutual information of a (words, contexts) count matrix, float64, natural log.

    PPMI(w, c) = max(0, log(n(w, c) * n / (n(w) * n(c)))) where n(w, c) > 0, else 0.
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

    center_vec v_c (d,), context_vecs U (vocab_size, d), context_index o. Returns
    (loss, grad_center (d,), grad_context (V, d)).
    """
    v = _t(center_vec, dtype=np.float64).requires_grad_(True)
    U = _t(context_vecs, dtype=np.float64).requires_grad_(True)
    scores = U @ v
    loss = F.cross_entropy(scores[None, :], torch.tensor([int(context_index)]))
    loss.backward()
    return loss.detach(), v.grad, U.grad
