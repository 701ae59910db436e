"""Classic bugs in chapter 9 (transformers: building a GPT) and the graded tests that must catch each.

The hidden tests judge each module on its own: the block test swaps in PyTorch's layer norm,
and the GPT test swaps in stand-in blocks (``groundup.probes.CausalMixer``) and PyTorch's
layer norm, so a bug costs the points of its own exercise only. The visible GPT test swaps
the blocks for stand-ins too, before its checks that a block bug could break.
"""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    # --- the tokenizer -------------------------------------------------------------------------
    Mutant(
        name="float_token_ids",
        description="encode builds the ids with torch.Tensor (capital T), which makes float32, not int64",
        cell="char_tokenizer",
        old="torch.tensor([self.stoi[c] for c in text], dtype=torch.long)",
        new="torch.Tensor([self.stoi[c] for c in text])",
        fails=frozenset({"test_char_tokenizer"}),
    ),
    Mutant(
        name="empty_text_float_ids",
        description="encode leaves the dtype to torch.tensor: int64 for text, but float32 for the empty string",
        cell="char_tokenizer",
        old="torch.tensor([self.stoi[c] for c in text], dtype=torch.long)",
        new="torch.tensor([self.stoi[c] for c in text])",
        fails=frozenset({"test_char_tokenizer"}),
    ),
    # --- the data set --------------------------------------------------------------------------
    Mutant(
        name="target_not_shifted",
        description="the dataset returns the inputs themselves as targets (y = x), so the model learns to copy",
        cell="next_token_dataset",
        old="y = self.data[i + 1:i + T + 1]",
        new="y = self.data[i:i + T]",
        fails=frozenset({"test_next_token_dataset"}),
    ),
    Mutant(
        name="negative_length",
        description="__len__ is len(data) - T even for a text shorter than T + 1 tokens, and len() refuses it",
        cell="next_token_dataset",
        old="return max(0, len(self.data) - self.block_size)",
        new="return len(self.data) - self.block_size",
        fails=frozenset({"test_next_token_dataset"}),
    ),
    Mutant(
        name="no_index_error",
        description="__getitem__ never checks its index, so dataset[len(dataset)] returns a short example",
        cell="next_token_dataset",
        old="    if not -n <= i < n:\n        raise IndexError(f\"example {i} of a data set of {n}\")\n",
        new="",
        fails=frozenset({"test_next_token_dataset"}),
    ),
    Mutant(
        name="negative_index_not_wrapped",
        description="a negative index passes the bounds check but is used as is: dataset[-1] slices from the end",
        cell="next_token_dataset",
        old="    if i < 0:\n        i += n\n",
        new="",
        fails=frozenset({"test_next_token_dataset"}),
    ),
    # --- layer normalization -------------------------------------------------------------------
    Mutant(
        name="unbiased_variance",
        description="layer norm divides by d_model - 1 (torch.var's default) instead of d_model",
        cell="layer_norm",
        old="x.var(dim=-1, keepdim=True, unbiased=False)",
        new="x.var(dim=-1, keepdim=True)",
        fails=frozenset({"test_layer_norm"}),
    ),
    Mutant(
        name="layer_norm_without_eps",
        description="layer norm divides by sqrt(var) without eps: NaN for constant vectors",
        cell="layer_norm",
        old="torch.sqrt(var + self.eps)",
        new="torch.sqrt(var)",
        fails=frozenset({"test_layer_norm"}),
    ),
    Mutant(
        name="eps_outside_sqrt",
        description="layer norm adds eps after the square root, (x - mean) / (sqrt(var) + eps)",
        cell="layer_norm",
        old="torch.sqrt(var + self.eps)",
        new="(torch.sqrt(var) + self.eps)",
        fails=frozenset({"test_layer_norm"}),
    ),
    Mutant(
        name="variance_from_moments",
        description="layer norm takes the variance as mean(x^2) - mean^2, which loses every digit "
                    "in float32 when the mean is large and the spread small",
        cell="layer_norm",
        old="var = x.var(dim=-1, keepdim=True, unbiased=False)",
        new="var = (x * x).mean(dim=-1, keepdim=True) - mean ** 2",
        fails=frozenset({"test_layer_norm"}),
    ),
    # --- the feed-forward layer and the block --------------------------------------------------
    Mutant(
        name="relu_instead_of_gelu",
        description="the feed-forward layer uses ReLU instead of GELU",
        cell="block",
        old="a = F.gelu(self.fc1(x))",
        new="a = F.relu(self.fc1(x))",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="feed_forward_without_dropout",
        description="the feed-forward layer forgets its dropout",
        cell="block",
        old="return self.drop(self.fc2(a))",
        new="return self.fc2(a)",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="no_causal_mask",
        description="the block's attention is not causal, so every position can read the future (its own target)",
        cell="block",
        old="is_causal=True",
        new="is_causal=False",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="no_attention_residual",
        description="the attention branch replaces x instead of being added to it",
        cell="block",
        old="x = x + self.resid_drop(self.proj(attended))",
        new="x = self.resid_drop(self.proj(attended))",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="feed_forward_reads_block_input",
        description="the feed-forward branch reads ln2 of the block's input instead of the updated x",
        cell="block",
        old="    x = x + self.resid_drop(self.proj(attended))\n    x = x + self.ffwd(self.ln2(x))",
        new="    x, x_in = x + self.resid_drop(self.proj(attended)), x\n    x = x + self.ffwd(self.ln2(x_in))",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="heads_split_without_transpose",
        description="the heads are made by reshaping (N, T, d_model) straight to (N, h, T, d_k), which mixes positions",
        cell="block",
        old="q, k, v = (t.view(N, T, self.n_head, d_k).transpose(1, 2) for t in (q, k, v))",
        new="q, k, v = (t.reshape(N, self.n_head, T, d_k) for t in (q, k, v))",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="queries_and_keys_swapped",
        description="the first slice of qkv is taken as the keys and the second as the queries",
        cell="block",
        old="q, k, v = self.qkv(self.ln1(x)).split(d_model, dim=-1)",
        new="k, q, v = self.qkv(self.ln1(x)).split(d_model, dim=-1)",
        # causal and of the right shape: only a comparison with a reference can tell
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="attention_dropout_in_eval",
        description="dropout on the attention weights stays on in evaluation mode",
        cell="block",
        old="p = self.attn_dropout if self.training else 0.0",
        new="p = self.attn_dropout",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="no_attention_dropout",
        description="the attention weights never get dropout, in any mode",
        cell="block",
        old="p = self.attn_dropout if self.training else 0.0",
        new="p = 0.0",
        fails=frozenset({"test_block"}),
    ),
    # --- the GPT -------------------------------------------------------------------------------
    Mutant(
        name="loss_rows_misaligned",
        description="the loss flattens the logits time-major (as if they were (T, N, |V|)) but the targets batch-major",
        cell="gpt_forward",
        old="loss = F.cross_entropy(logits.view(N * T, vocab_size), targets.view(N * T))",
        new="loss = F.cross_entropy(logits.transpose(0, 1).reshape(N * T, vocab_size), targets.view(N * T))",
        # right for a batch of one sequence; the untrained model's loss is about ln |V| either way
        fails=frozenset({"test_gpt_forward"}),
    ),
    Mutant(
        name="no_position_embedding",
        description="the model adds no position embeddings, so it cannot tell where a token is",
        cell="gpt_forward",
        old="x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))",
        new="x = self.drop(self.tok_emb(idx))",
        fails=frozenset({"test_gpt_forward"}),
    ),
    Mutant(
        name="no_embedding_dropout",
        description="the sum of the embeddings never goes through self.drop",
        cell="gpt_forward",
        old="x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))",
        new="x = self.tok_emb(idx) + self.pos_emb(positions)",
        fails=frozenset({"test_gpt_forward"}),
    ),
    # --- sampling ------------------------------------------------------------------------------
    Mutant(
        name="temperature_multiplied",
        description="the logits are multiplied by the temperature instead of divided",
        cell="sample_next_token",
        old="logits = logits / temperature",
        new="logits = logits * temperature",
        fails=frozenset({"test_sample_next_token"}),
    ),
    Mutant(
        name="top_k_keeps_one_more",
        description="top-k sampling keeps the k + 1 largest logits",
        cell="sample_next_token",
        old="torch.topk(logits, top_k, dim=-1)",
        new="torch.topk(logits, top_k + 1, dim=-1)",
        fails=frozenset({"test_sample_next_token"}),
    ),
    Mutant(
        name="top_k_drops_ties",
        description="top-k keeps exactly k tokens by topk's indices, dropping some of the tokens that tie with the k-th",
        cell="sample_next_token",
        old="        kth_largest = torch.topk(logits, top_k, dim=-1).values[:, -1:]\n"
            "        logits = logits.masked_fill(logits < kth_largest, float(\"-inf\"))",
        new="        keep = torch.zeros_like(logits, dtype=torch.bool)\n"
            "        keep.scatter_(-1, torch.topk(logits, top_k, dim=-1).indices, True)\n"
            "        logits = logits.masked_fill(~keep, float(\"-inf\"))",
        fails=frozenset({"test_sample_next_token"}),
    ),
    Mutant(
        name="squeeze_drops_batch",
        description="the draws are squeezed with .squeeze(), which turns a batch of one row into a 0-d tensor",
        cell="sample_next_token",
        old=".squeeze(1)",
        new=".squeeze()",
        fails=frozenset({"test_sample_next_token"}),
    ),
    # --- estimating the loss -------------------------------------------------------------------
    Mutant(
        name="estimate_in_training_mode",
        description="estimate_loss never switches to evaluation mode, so dropout is on while measuring",
        cell="estimate_loss",
        old="model.eval()\n    total = 0.0",
        new="total = 0.0",
        fails=frozenset({"test_estimate_loss"}),
    ),
    Mutant(
        name="estimate_leaves_training_mode",
        description="estimate_loss ends with model.train(), even for a model that was in evaluation mode",
        cell="estimate_loss",
        old="model.train(was_training)",
        new="model.train()",
        fails=frozenset({"test_estimate_loss"}),
    ),
    Mutant(
        name="estimate_ignores_generator",
        description="estimate_loss draws its batches from the global generator, so no two estimates see the same batches",
        cell="estimate_loss",
        old="x, y = get_batch(dataset, batch_size, generator)",
        new="x, y = get_batch(dataset, batch_size)",
        fails=frozenset({"test_estimate_loss"}),
    ),
    # --- beam search ---------------------------------------------------------------------------
    Mutant(
        name="beam_scores_not_accumulated",
        description="beam search ranks candidates by the last token's log-probability instead of the whole sequence's",
        cell="beam_search",
        old="candidates = (scores[:, None] + logp).reshape(-1)",
        new="candidates = logp.reshape(-1)",
        fails=frozenset({"test_beam_search"}),
    ),
    Mutant(
        name="beam_context_not_cropped",
        description="beam search feeds the model the whole sequence, even when it is longer than the context window",
        cell="beam_search",
        old="logits, _ = model(seqs[:, -block_size:])",
        new="logits, _ = model(seqs)",
        fails=frozenset({"test_beam_search"}),
    ),
    Mutant(
        name="beam_scores_raw_logits",
        description="beam search adds up raw logits instead of log-probabilities (no log_softmax)",
        cell="beam_search",
        old="logp = torch.log_softmax(logits[:, -1, :].float(), dim=-1)",
        new="logp = logits[:, -1, :].float()",
        fails=frozenset({"test_beam_search"}),
    ),
    Mutant(
        name="beam_search_in_training_mode",
        description="beam search runs the model in whatever mode it is in, dropout included",
        cell="beam_search",
        old="    model.eval()\n    seqs",
        new="    seqs",
        fails=frozenset({"test_beam_search"}),
    ),
]

# Stops before the last two exercises of the training and decoding sections. Only the training
# cell and the beam search demo call them, and no other exercise's test does.
UNFINISHED = Unfinished(
    name="hopper",
    stubs=frozenset({"estimate_loss", "beam_search"}),
    fails=frozenset({"test_estimate_loss", "test_beam_search"}),
)
