"""Classic bugs in chapter 8 (attention and word vectors) and the graded tests that must catch each.

multi_head_attention calls the student's scaled_dot_product_attention, which calls
softmax, so a bug in softmax or in attention itself also fails the later tests
whenever they exercise the broken feature (huge or very negative scores, dtypes,
masks, queries that may attend to nothing).
"""

from autograder.mutants import Mutant, Unfinished

_SDPA = "scaled_dot_product_attention"
_MHA = "multi_head_attention"
_BOTH = frozenset({"test_scaled_dot_product_attention", "test_multi_head_attention"})

_MASKING = ("        if mask.dtype == bool:\n            scores = np.where(mask, scores, -np.inf)\n"
            "        else:\n            scores = scores + mask.astype(scores.dtype)\n")
_NOTHING = ("    # A query with no allowed key has a row of -inf: give it zeros instead of 0/0.\n"
            "    nothing = np.all(scores == -np.inf, axis=-1, keepdims=True)\n"
            "    weights = softmax(np.where(nothing, 0.0, scores), axis=-1)\n"
            "    weights = np.where(nothing, 0.0, weights)\n")

_PADDING = ("        start = T_k - np.asarray(lengths)[:, None, None, None]\n"
            "        # Blocking the padding keys is enough: a padding query comes before every real\n"
            "        # token, so the causal mask already hides the real keys from it.\n"
            "        mask = mask & (key_pos >= start)\n")

MUTANTS = [
    # --- the classic attention bugs named in the chapter's issue -------------------------
    Mutant(
        name="mask_after_softmax",
        description="attention multiplies the softmax weights by the mask instead of masking "
                    "the scores, so rows no longer sum to 1 and the blocked keys still shape "
                    "the allowed weights",
        cell=_SDPA,
        old="    if mask is not None:\n" + _MASKING + _NOTHING,
        new="    weights = softmax(scores, axis=-1)\n    if mask is not None:\n"
            "        weights = weights * mask\n",
        fails=_BOTH,
    ),
    Mutant(
        name="no_scale",
        description="attention forgets to divide the scores by sqrt(d_k)",
        cell=_SDPA,
        old="scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)",
        new="scores = Q @ np.swapaxes(K, -1, -2)",
        fails=_BOTH,
    ),
    Mutant(
        name="scale_upcasts_float32",
        description="attention divides by np.sqrt(d_k), a float64 NumPy scalar, so float32 "
                    "inputs give float64 results",
        cell=_SDPA,
        old="scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)",
        new="scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_k)",
        fails=_BOTH,
    ),
    Mutant(
        name="mask_convention_inverted",
        description="the mask is read with nn.MultiheadAttention's convention (True = blocked)",
        cell=_SDPA,
        old="scores = np.where(mask, scores, -np.inf)",
        new="scores = np.where(mask, -np.inf, scores)",
        fails=_BOTH,
    ),
    Mutant(
        name="mask_fill_minus_1e9",
        description="blocked scores are set to -1e9, which wins when the allowed scores are "
                    "below it (and gives a fully blocked row uniform weights)",
        cell=_SDPA,
        old="scores = np.where(mask, scores, -np.inf)",
        new="scores = np.where(mask, scores, -1e9)",
        fails=_BOTH,
    ),
    Mutant(
        name="fully_masked_rows_nan",
        description="attention takes the softmax of a row that is all -inf: 0/0, NaN weights "
                    "and outputs, and a NumPy warning",
        cell=_SDPA,
        old=_NOTHING,
        new="    weights = softmax(scores, axis=-1)\n",
        fails=_BOTH,
    ),
    Mutant(
        name="fully_masked_rows_uniform",
        description="attention avoids 0/0 for a query with no allowed key but leaves it "
                    "uniform weights over the blocked keys instead of zeros",
        cell=_SDPA,
        old="    weights = np.where(nothing, 0.0, weights)\n",
        new="",
        fails=_BOTH,
    ),
    Mutant(
        name="additive_mask_read_as_boolean",
        description="attention treats every mask as boolean, so an additive mask's 0 blocks "
                    "and its -inf allows",
        cell=_SDPA,
        old=_MASKING,
        new="        scores = np.where(mask, scores, -np.inf)\n",
        fails=_BOTH,
    ),
    Mutant(
        name="additive_mask_upcasts",
        description="attention adds a float64 additive mask to float32 scores without "
                    "converting it, so the results become float64",
        cell=_SDPA,
        old="scores = scores + mask.astype(scores.dtype)",
        new="scores = scores + mask",
        fails=_BOTH,
    ),
    # --- multi-head attention ----------------------------------------------------------------
    Mutant(
        name="heads_split_wrong_axis",
        description="multi-head attention reshapes (N, T, d_model) straight to "
                    "(N, heads, T, d_head), mixing positions and features",
        cell=_MHA,
        old="return x.reshape(N, T, num_heads, d_head).transpose(0, 2, 1, 3)",
        new="return x.reshape(N, num_heads, T, d_head)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="heads_merged_without_transpose",
        description="multi-head attention reshapes the heads' outputs (N, heads, T, d_head) "
                    "straight to (N, T, d_model) without moving the head axis back",
        cell=_MHA,
        old="concat = heads.transpose(0, 2, 1, 3).reshape(N, T_q, d_model)",
        new="concat = heads.reshape(N, T_q, d_model)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="projections_transposed",
        description="multi-head attention multiplies by W.T (PyTorch's storage layout) "
                    "instead of W",
        cell=_MHA,
        old="q = split_heads(x_q @ Wq + bq, T_q)\n    k = split_heads(x_kv @ Wk + bk, T_kv)\n"
            "    v = split_heads(x_kv @ Wv + bv, T_kv)",
        new="q = split_heads(x_q @ Wq.T + bq, T_q)\n    k = split_heads(x_kv @ Wk.T + bk, T_kv)\n"
            "    v = split_heads(x_kv @ Wv.T + bv, T_kv)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    Mutant(
        name="keys_values_from_queries",
        description="multi-head attention takes the keys and values from x_q, as if it were "
                    "always self-attention",
        cell=_MHA,
        old="k = split_heads(x_kv @ Wk + bk, T_kv)\n    v = split_heads(x_kv @ Wv + bv, T_kv)",
        new="k = split_heads(x_q @ Wk + bk, T_q)\n    v = split_heads(x_q @ Wv + bv, T_q)",
        fails=frozenset({"test_multi_head_attention"}),
    ),
    # --- the causal mask, with a cache and with padding --------------------------------------
    Mutant(
        name="causal_mask_transposed",
        description="the causal mask is upper-triangular: every position attends to the "
                    "future instead of the past",
        cell="causal_mask",
        old="mask = key_pos <= query_pos",
        new="mask = key_pos >= query_pos",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="causal_mask_ignores_cache",
        description="the causal mask puts the queries at positions 0 to T_q - 1 instead of "
                    "the last T_q positions, so with a cache the new tokens miss the old ones",
        cell="causal_mask",
        old="query_pos = np.arange(T_k - T_q, T_k)[:, None]",
        new="query_pos = np.arange(T_q)[:, None]",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="padding_on_the_right",
        description="the padded mask takes each sequence's real tokens to be the first "
                    "lengths[n] positions (right padding) instead of the last",
        cell="causal_mask",
        old=_PADDING,
        new="        end = np.asarray(lengths)[:, None, None, None]\n"
            "        mask = mask & (key_pos < end)\n",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="padding_keys_not_blocked",
        description="the padded mask blocks the padding queries instead of the padding "
                    "keys, so real tokens attend to the padding before them",
        cell="causal_mask",
        old="mask = mask & (key_pos >= start)",
        new="mask = mask & (query_pos >= start)",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="padded_mask_without_head_axis",
        description="the padded mask has shape (N, T_q, T_k), with no axis for the heads to "
                    "broadcast over",
        cell="causal_mask",
        old="start = T_k - np.asarray(lengths)[:, None, None, None]",
        new="start = T_k - np.asarray(lengths)[:, None, None]",
        fails=frozenset({"test_causal_mask"}),
    ),
    Mutant(
        name="additive_mask_finite",
        description="the additive mask uses -1e9 instead of -inf for blocked entries",
        cell="causal_mask",
        old="return np.where(mask, 0.0, -np.inf)",
        new="return np.where(mask, 0.0, -1e9)",
        fails=frozenset({"test_causal_mask"}),
    ),
    # --- softmax and log-softmax -------------------------------------------------------------
    Mutant(
        name="softmax_no_shift",
        description="softmax exponentiates the raw scores, which overflow for scores around "
                    "1000 and underflow to 0/0 far below 0",
        cell="softmax",
        old="shifted = x - np.max(x, axis=axis, keepdims=True)",
        new="shifted = x",
        fails=frozenset({"test_softmax", "test_scaled_dot_product_attention"}),
    ),
    Mutant(
        name="softmax_global_max",
        description="softmax subtracts the maximum of the whole array, so rows far below it "
                    "underflow to 0/0",
        cell="softmax",
        old="shifted = x - np.max(x, axis=axis, keepdims=True)",
        new="shifted = x - np.max(x)",
        fails=frozenset({"test_softmax", "test_scaled_dot_product_attention"}),
    ),
    Mutant(
        name="softmax_upcasts_float32",
        description="softmax computes in float64 and returns float64 for float32 input",
        cell="softmax",
        old="e = np.exp(shifted)",
        new="e = np.exp(shifted.astype(np.float64))",
        fails=frozenset({"test_softmax"}) | _BOTH,
    ),
    Mutant(
        name="log_of_softmax",
        description="log_softmax takes the log of the softmax, which is -inf for probabilities "
                    "that underflow",
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
        name="ppmi_logs_zero_counts",
        description="ppmi takes the log of every entry and keeps the positive ones with "
                    "np.where, which computes log 0 and 0/0 (NumPy warns) on the way",
        cell="ppmi",
        old="    pmi = np.zeros_like(counts)\n"
            "    # A positive count has a positive row sum, column sum and total: a finite log.\n"
            "    pmi[seen] = np.log(counts[seen] * total / (row * col)[seen])\n",
        new="    pmi = np.where(seen, np.log(counts * total / (row * col)), 0.0)\n",
        fails=frozenset({"test_ppmi"}),
    ),
    Mutant(
        name="skipgram_target_not_subtracted",
        description="the skip-gram gradients use p instead of p - y (the observed word is not "
                    "pulled closer)",
        cell="skipgram_loss_and_grad",
        old="error[context_index] -= 1.0",
        new="pass  # forgot to subtract the one-hot target",
        fails=frozenset({"test_skipgram_loss_and_grad"}),
    ),
    # --- positional encoding -----------------------------------------------------------------
    Mutant(
        name="positions_frequency_per_column",
        description="the positional encoding gives every column its own frequency "
                    "10000 ** (j / d_model), so a cosine column does not share the frequency "
                    "of its sine partner",
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
