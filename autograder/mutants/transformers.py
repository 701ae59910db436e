"""Classic bugs in chapter 9 (transformers: building a GPT) and the graded tests that must catch each.

The hidden tests judge each module on its own: the block test swaps in PyTorch's layer norm
and MLP, and the GPT test swaps in stand-in blocks (``groundup.probes.CausalMixer``) and
PyTorch's layer norm, so a bug costs the points of its own exercise only.
"""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    Mutant(
        name="target_not_shifted",
        description="the dataset returns the inputs themselves as targets (y = x), so the model learns to copy",
        cell="next_token_dataset",
        old="y = self.data[i + 1:i + T + 1]",
        new="y = self.data[i:i + T]",
        fails=frozenset({"test_next_token_dataset"}),
    ),
    Mutant(
        name="no_causal_mask",
        description="the block's attention is not causal, so every position can read the future (its own target)",
        cell="block",
        old="is_causal=True",
        new="is_causal=False",
        # the visible test only checks shapes and the residual path; the hidden causality test catches it
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
        name="heads_split_without_transpose",
        description="the heads are made by reshaping (B, T, C) straight to (B, n_head, T, hs), which mixes positions",
        cell="block",
        old="q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))",
        new="q, k, v = (t.reshape(B, self.n_head, T, C // self.n_head) for t in (q, k, v))",
        fails=frozenset({"test_block"}),
    ),
    Mutant(
        name="unbiased_variance",
        description="layer norm divides by C - 1 (torch.var's default) instead of C",
        cell="layer_norm",
        old="x.var(dim=-1, keepdim=True, unbiased=False)",
        new="x.var(dim=-1, keepdim=True)",
        # the visible test checks mean 0 and spread 1 only to 1%, which C - 1 vs C does not break for C = 256
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
        name="relu_instead_of_gelu",
        description="the feed-forward layer uses ReLU instead of GELU",
        cell="feed_forward",
        old="h = F.gelu(self.fc1(x))",
        new="h = F.relu(self.fc1(x))",
        fails=frozenset({"test_feed_forward"}),
    ),
    Mutant(
        name="loss_rows_misaligned",
        description="the loss flattens the logits time-major (as if they were (T, B, V)) but the targets batch-major",
        cell="gpt_forward",
        old="loss = F.cross_entropy(logits.view(B * T, V), targets.view(B * T))",
        new="loss = F.cross_entropy(logits.transpose(0, 1).reshape(B * T, V), targets.view(B * T))",
        # right for a batch of one sequence; the untrained model's loss is about ln V either way
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
        name="temperature_multiplied",
        description="the logits are multiplied by the temperature instead of divided",
        cell="sample_next_token",
        old="logits = logits / temperature",
        new="logits = logits * temperature",
        # identical at temperature 1, which is all the visible test uses
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
        name="estimate_in_training_mode",
        description="estimate_loss never switches to evaluation mode, so dropout is on while measuring",
        cell="estimate_loss",
        old="model.eval()\n    total = 0.0",
        new="total = 0.0",
        fails=frozenset({"test_estimate_loss"}),
    ),
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
        name="float_token_ids",
        description="encode builds the ids with torch.Tensor (capital T), which makes float32, not int64",
        cell="char_tokenizer",
        old="torch.tensor([self.stoi[c] for c in text], dtype=torch.long)",
        new="torch.Tensor([self.stoi[c] for c in text])",
        fails=frozenset({"test_char_tokenizer"}),
    ),
]

# Stops before the last two exercises of the training and decoding sections. Only the training
# cell and the beam search demo call them, and no other exercise's test does.
UNFINISHED = Unfinished(
    name="hopper",
    stubs=frozenset({"estimate_loss", "beam_search"}),
    fails=frozenset({"test_estimate_loss", "test_beam_search"}),
)
