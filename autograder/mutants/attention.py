"""Classic bugs in chapter 8 (attention and word vectors) and the graded tests that must catch each.

multi_head_attention calls the student's scaled_dot_product_attention, which calls
softmax, so a bug in attention itself also fails the multi-head test whenever that
test exercises the broken feature (scaling, masking).
"""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    # --- the classic attention bugs named in the chapter's issue -------------------------
    Mutant(
        name="mask_after_softmax",
        description="attention multiplies the softmax weights by the mask instead of masking the scores, "
                    "so rows no longer sum to 1 and the blocked keys still shape the allowed weights",
        cell="scaled_dot_product_attention",
        old="    if mask is not None:\n        scores = np.where(mask, scores, -np.inf)\n"
            "    weights = softmax(scores, axis=-1)\n",
        new="    weights = softmax(scores, axis=-1)\n    if mask is not None:\n        weights = weights * mask\n",
        # the visible test only checks that blocked weights are 0, which this bug satisfies
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="inf_added_after_softmax",
        description="attention adds -inf to the blocked entries after the softmax, giving -inf weights and NaN outputs",
        cell="scaled_dot_product_attention",
        old="    if mask is not None:\n        scores = np.where(mask, scores, -np.inf)\n"
            "    weights = softmax(scores, axis=-1)\n",
        new="    weights = softmax(scores, axis=-1)\n    if mask is not None:\n"
            "        weights = weights + np.where(mask, 0.0, -np.inf)\n",
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="no_scale",
        description="attention forgets to divide the scores by sqrt(d_k)",
        cell="scaled_dot_product_attention",
        old="scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)",
        new="scores = Q @ np.swapaxes(K, -1, -2)",
        # the visible hand-worked example has d_k = 1, where the scale is 1
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="scale_by_d_k",
        description="attention divides the scores by d_k instead of sqrt(d_k)",
        cell="scaled_dot_product_attention",
        old="scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)",
        new="scores = Q @ np.swapaxes(K, -1, -2) / d_k",
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="heads_split_wrong_axis",
        description="multi-head attention reshapes (batch, n, d_model) straight to (batch, heads, n, d_head), "
                    "mixing positions and features",
        cell="multi_head_attention",
        old="return x.reshape(batch, n, num_heads, d_head).transpose(0, 2, 1, 3)",
        new="return x.reshape(batch, num_heads, n, d_head)",
        # with one head the two reshapes agree, and the visible test checks one head in detail
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="causal_mask_transposed",
        description="the causal mask is upper-triangular: every position attends to the future instead of the past",
        cell="causal_mask",
        old="return np.tril(np.ones((n, n), dtype=bool))",
        new="return np.triu(np.ones((n, n), dtype=bool))",
        fails=frozenset({"test_causal_mask"}),
    ),
    # --- more attention bugs ---------------------------------------------------------------
    Mutant(
        name="mask_fills_zero",
        description="blocked scores are set to 0 instead of -inf, so blocked keys keep a share of the weight",
        cell="scaled_dot_product_attention",
        old="scores = np.where(mask, scores, -np.inf)",
        new="scores = np.where(mask, scores, 0.0)",
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="mask_convention_inverted",
        description="the mask is read with nn.MultiheadAttention's convention (True = blocked)",
        cell="scaled_dot_product_attention",
        old="scores = np.where(mask, scores, -np.inf)",
        new="scores = np.where(mask, -np.inf, scores)",
        fails=frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"}),
    ),
    Mutant(
        name="causal_mask_blocks_self",
        description="the causal mask leaves out the diagonal, so a position may not attend to itself",
        cell="causal_mask",
        old="return np.tril(np.ones((n, n), dtype=bool))",
        new="return np.tril(np.ones((n, n), dtype=bool), k=-1)",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="heads_merged_without_transpose",
        description="multi-head attention reshapes the heads' outputs (batch, heads, n, d_head) straight to "
                    "(batch, n, d_model) without moving the head axis back",
        cell="multi_head_attention",
        old="concat = heads.transpose(0, 2, 1, 3).reshape(batch, n_q, d_model)",
        new="concat = heads.reshape(batch, n_q, d_model)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="projections_transposed",
        description="multi-head attention multiplies by W.T (PyTorch's storage layout) instead of W",
        cell="multi_head_attention",
        old="q = split_heads(x_q @ Wq + bq, n_q)\n    k = split_heads(x_kv @ Wk + bk, n_kv)\n"
            "    v = split_heads(x_kv @ Wv + bv, n_kv)",
        new="q = split_heads(x_q @ Wq.T + bq, n_q)\n    k = split_heads(x_kv @ Wk.T + bk, n_kv)\n"
            "    v = split_heads(x_kv @ Wv.T + bv, n_kv)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="heads_scaled_by_d_model",
        description="multi-head attention scales the scores by sqrt(d_model) instead of the per-head sqrt(d_head)",
        cell="multi_head_attention",
        old="heads, weights = scaled_dot_product_attention(q, k, v, mask)",
        new="heads, weights = scaled_dot_product_attention(q / num_heads ** 0.5, k, v, mask)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    # --- softmax and log-softmax -------------------------------------------------------------
    Mutant(
        name="softmax_no_shift",
        description="softmax exponentiates the raw scores, which overflow for scores around 1000",
        cell="softmax",
        old="shifted = x - np.max(x, axis=axis, keepdims=True)",
        new="shifted = x",
        # attention's hidden tests include scores around 1e3
        fails=frozenset({"test_softmax", "test_scaled_dot_product_attention"}),
    ),
    Mutant(
        name="softmax_global_max",
        description="softmax subtracts the maximum of the whole array, so rows far below it underflow to 0/0",
        cell="softmax",
        old="shifted = x - np.max(x, axis=axis, keepdims=True)",
        new="shifted = x - np.max(x)",
        fails=frozenset({"test_softmax", "test_scaled_dot_product_attention"}),
    ),
    Mutant(
        name="log_of_softmax",
        description="log_softmax takes the log of the softmax, which is -inf for probabilities that underflow",
        cell="log_softmax",
        old="return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))",
        new="return np.log(np.exp(shifted) / np.sum(np.exp(shifted), axis=axis, keepdims=True))",
        fails=frozenset({"test_log_softmax"}),
    ),
    # --- word vectors ------------------------------------------------------------------------
    Mutant(
        name="pmi_not_clipped",
        description="ppmi returns the PMI itself, negative values included",
        cell="ppmi",
        old="return np.maximum(pmi, 0.0)",
        new="return pmi",
        fails=frozenset({"test_ppmi"}),
    ),
    Mutant(
        name="ppmi_log2",
        description="ppmi uses the base-2 logarithm instead of the natural one",
        cell="ppmi",
        old="pmi[seen] = np.log(counts[seen] * total / (row * col)[seen])",
        new="pmi[seen] = np.log2(counts[seen] * total / (row * col)[seen])",
        fails=frozenset({"test_ppmi"}),
    ),
    Mutant(
        name="skipgram_target_not_subtracted",
        description="the skip-gram gradients use p instead of p - e_o (the observed word is not pulled closer)",
        cell="skipgram_loss_and_grad",
        old="error[context_index] -= 1.0",
        new="pass  # forgot to subtract the one-hot target",
        fails=frozenset({"test_skipgram_loss_and_grad"}),
    ),
    Mutant(
        name="positions_frequency_per_column",
        description="the positional encoding gives every column its own frequency 10000 ** (j / d_model), "
                    "so a cosine column does not share the frequency of its sine partner",
        cell="sinusoidal_positional_encoding",
        old="pe[:, 1::2] = np.cos(angle[:, : d_model // 2])",
        new="pe[:, 1::2] = np.cos(position / 10000.0 ** (np.arange(1, d_model, 2) / d_model))",
        fails=frozenset({"test_sinusoidal_positional_encoding"}),
    ),
    Mutant(
        name="positions_fail_odd_width",
        description="the positional encoding assumes an even d_model and breaks when it is odd",
        cell="sinusoidal_positional_encoding",
        old="pe[:, 1::2] = np.cos(angle[:, : d_model // 2])",
        new="pe[:, 1::2] = np.cos(angle)",
        # the visible test uses d_model = 4; the hidden ones include odd widths
        fails=frozenset({"test_sinusoidal_positional_encoding"}),
    ),
]

# Leaves the log-softmax and the positional encoding as stubs: no other exercise calls
# them, and only the last two demo cells use the positional encoding.
UNFINISHED = Unfinished(
    name="hedy",
    stubs=frozenset({"log_softmax", "sinusoidal_positional_encoding"}),
    fails=frozenset({"test_log_softmax", "test_sinusoidal_positional_encoding"}),
)
