"""PyTorch references for Chapter 9, transformers: a character-level GPT.

The hidden tests of ``solutions/09_transformers.md`` compare each graded exercise
with the function or module of the same role here. Unlike the NumPy chapters,
students write PyTorch here, so these references take and return tensors.

This module also holds a complete reference GPT (:class:`GPTConfig`, :class:`GPT`)
whose parameter names are the same as those of the model students assemble in the
chapter, so that a student's ``state_dict`` loads into it (and back). A training
script can train it at full size::

    from autograder.references.transformers import GPT, GPTConfig, TrainConfig
    model = GPT(GPTConfig(vocab_size=65))        # 6 layers, 6 heads, 384 wide, context 256
    settings = TrainConfig()                     # batch 64, lr 3e-4, 5000 steps, ...

Conventions shared with the chapter:

* a character tokenizer's vocabulary is the sorted list of distinct characters of its
  training text; token ``i`` is the ``i``-th character;
* a next-token data set of a 1-D token tensor ``data`` and block size ``T`` has
  ``max(0, len(data) - T)`` examples; example ``i`` is ``(data[i:i+T], data[i+1:i+T+1])``,
  a negative ``i`` counts from the end and any other index raises ``IndexError``;
* a batch draws its ``B`` start indices with ``torch.randint(len(dataset), (B,), generator=g)``;
* a transformer block is pre-norm: ``x + attn(ln1(x))``, then ``x + ffwd(ln2(x))``, with
  causal multi-head self-attention whose query, key and value projections are the three
  row blocks of one ``qkv`` linear layer, heads taking consecutive slices of the width;
* the feed-forward layer is ``Linear(d_model, 4 d_model)``, exact (erf) GELU,
  ``Linear(4 d_model, d_model)``, dropout;
* layer normalization uses the biased variance and ``eps = 1e-5`` inside the square root;
* the model returns ``(logits, loss)``, the loss the mean cross-entropy over all ``N*T``
  positions, or ``None`` without targets;
* the head shares its weight matrix with the token embedding (weight tying) and has no
  bias; weights start as GPT-2's: N(0, 0.02), the last layer of each residual branch
  (``proj`` and ``ffwd.fc2``) N(0, 0.02 / sqrt(2 L)), biases 0;
* AdamW decays the weight matrices of the linear layers only (the tied token table is
  one of them); biases, layer norms and the position table are not decayed;
* top-k sampling keeps every token whose logit is at least the k-th largest of its row,
  so ties at the boundary keep more than k tokens.

Shapes follow the course's notation: ``N`` sequences of ``T`` tokens, width ``d_model``
(the config field ``n_embd``), ``h`` heads, ``L`` blocks, a vocabulary of ``|V|`` tokens.
"""

import itertools
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# --- tokenizer and data --------------------------------------------------------------------------


def vocabulary(text):
    """The sorted distinct characters of ``text``, as a string."""
    return "".join(sorted(set(text)))


def encode(text, chars):
    """Token ids (int64, shape (len(text),)) of ``text`` in the vocabulary ``chars``."""
    position = {c: i for i, c in enumerate(chars)}
    return torch.tensor([position[c] for c in text], dtype=torch.int64)


def decode(ids, chars):
    """The string whose token ids are ``ids`` (a 1-D tensor or a list of ints)."""
    return "".join(chars[int(i)] for i in torch.as_tensor(ids, dtype=torch.int64).reshape(-1))


def num_examples(data, block_size):
    """How many next-token examples ``data`` holds: windows of ``block_size + 1`` tokens."""
    return max(0, len(data) - block_size)


def next_token_example(data, i, block_size):
    """Input and target of example ``i``: the targets are the inputs shifted left by one.

    A negative ``i`` counts from the end, as for a Python sequence; an index outside
    ``range(-n, n)``, with ``n = num_examples(data, block_size)``, raises ``IndexError``.
    """
    n = num_examples(data, block_size)
    if not -n <= i < n:
        raise IndexError(f"example {i} of {n}")
    i = i % n
    window = data[i:i + block_size + 1]
    return window[:-1], window[1:]


def get_batch(dataset, batch_size, generator=None):
    """A batch (x, y) of shape (N, T) each, drawn as the chapter's ``get_batch`` draws it."""
    starts = torch.randint(len(dataset), (batch_size,), generator=generator)
    pairs = [dataset[int(i)] for i in starts]
    return torch.stack([x for x, _ in pairs]), torch.stack([y for _, y in pairs])


# --- the pieces of a block -----------------------------------------------------------------------


def layer_norm(x, weight, bias, eps=1e-5):
    """PyTorch's layer normalization over the last dimension."""
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def torch_feed_forward(fc1, fc2, dropout=0.0):
    """An ``nn.Sequential`` (Linear, GELU, Linear, Dropout) with copies of the weights of ``fc1``, ``fc2``.

    It is in evaluation mode; switch it to training mode for dropout.
    """
    seq = nn.Sequential(nn.Linear(fc1.in_features, fc1.out_features), nn.GELU(),
                        nn.Linear(fc2.in_features, fc2.out_features), nn.Dropout(dropout))
    seq = seq.to(dtype=fc1.weight.dtype)
    with torch.no_grad():
        seq[0].weight.copy_(fc1.weight)
        seq[0].bias.copy_(fc1.bias)
        seq[2].weight.copy_(fc2.weight)
        seq[2].bias.copy_(fc2.bias)
    return seq.eval()


def causal_mask(T, device=None):
    """Boolean (T, T) mask, True where a query may NOT look (keys in its future)."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool, device=device), diagonal=1)


class TorchBlock(nn.Module):
    """A pre-norm transformer block from stock PyTorch modules (``nn.MultiheadAttention``).

    Each dropout site has its own probability: on the attention weights, on the attention
    branch's output, and at the end of the feed-forward branch.
    """

    def __init__(self, d_model, n_head, attn_dropout=0.0, resid_dropout=0.0, ffwd_dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_head, dropout=attn_dropout, batch_first=True)
        self.drop = nn.Dropout(resid_dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ffwd = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                  nn.Linear(4 * d_model, d_model), nn.Dropout(ffwd_dropout))

    def forward(self, x):
        h = self.ln1(x)
        attended, _ = self.attn(h, h, h, attn_mask=causal_mask(x.shape[1], x.device), need_weights=False)
        x = x + self.drop(attended)
        return x + self.ffwd(self.ln2(x))


def torch_block_from_state(state, n_head, dtype=torch.float32, attn_dropout=0.0, resid_dropout=0.0,
                           ffwd_dropout=0.0):
    """A :class:`TorchBlock` in eval mode holding a chapter-style block's ``state_dict``.

    The state has ``ln1.*``, ``ln2.*``, ``qkv.*``, ``proj.*``, ``ffwd.fc1.*`` and ``ffwd.fc2.*``.
    """
    d_model = state["proj.weight"].shape[0]
    ref = TorchBlock(d_model, n_head, attn_dropout, resid_dropout, ffwd_dropout).to(dtype=dtype)
    ref.load_state_dict({
        "ln1.weight": state["ln1.weight"], "ln1.bias": state["ln1.bias"],
        "ln2.weight": state["ln2.weight"], "ln2.bias": state["ln2.bias"],
        "attn.in_proj_weight": state["qkv.weight"], "attn.in_proj_bias": state["qkv.bias"],
        "attn.out_proj.weight": state["proj.weight"], "attn.out_proj.bias": state["proj.bias"],
        "ffwd.0.weight": state["ffwd.fc1.weight"], "ffwd.0.bias": state["ffwd.fc1.bias"],
        "ffwd.2.weight": state["ffwd.fc2.weight"], "ffwd.2.bias": state["ffwd.fc2.bias"],
    })
    return ref.eval()


def torch_block_like(block, attn_dropout=0.0, resid_dropout=0.0, ffwd_dropout=0.0):
    """A :class:`TorchBlock` in eval mode with the weights of a chapter-style ``block`` copied in.

    ``block`` has ``ln1``, ``ln2`` (with ``weight``, ``bias``), ``qkv`` (Linear d -> 3d),
    ``proj`` (Linear d -> d), ``ffwd.fc1``, ``ffwd.fc2`` and an integer ``n_head``.
    """
    d_model = block.proj.in_features
    ref = TorchBlock(d_model, block.n_head, attn_dropout, resid_dropout, ffwd_dropout)
    ref = ref.to(dtype=block.qkv.weight.dtype)
    with torch.no_grad():
        for mine, theirs in ((ref.ln1, block.ln1), (ref.ln2, block.ln2)):
            mine.weight.copy_(theirs.weight)
            mine.bias.copy_(theirs.bias)
        ref.attn.in_proj_weight.copy_(block.qkv.weight)
        ref.attn.in_proj_bias.copy_(block.qkv.bias)
        ref.attn.out_proj.weight.copy_(block.proj.weight)
        ref.attn.out_proj.bias.copy_(block.proj.bias)
        ref.ffwd[0].weight.copy_(block.ffwd.fc1.weight)
        ref.ffwd[0].bias.copy_(block.ffwd.fc1.bias)
        ref.ffwd[2].weight.copy_(block.ffwd.fc2.weight)
        ref.ffwd[2].bias.copy_(block.ffwd.fc2.bias)
    return ref.eval()


# --- the reference GPT (same parameter names as the chapter's model) -----------------------------


@dataclass
class GPTConfig:
    """The shape of a GPT. The defaults are the full-size model of the chapter (10,770,816 parameters, about 10.8M)."""

    vocab_size: int = 65  # |V|
    block_size: int = 256  # T, the context window, in tokens
    n_layer: int = 6  # L
    n_head: int = 6  # h
    n_embd: int = 384  # d_model
    dropout: float = 0.2


@dataclass
class TrainConfig:
    """How the chapter trains the full-size model on a GPU (AdamW, constant learning rate)."""

    batch_size: int = 64
    learning_rate: float = 3e-4
    max_steps: int = 5000
    eval_interval: int = 250
    eval_batches: int = 50
    weight_decay: float = 0.1  # on the linear layers' weight matrices only (see decay_split)
    grad_clip: float = 1.0
    train_fraction: float = 0.9  # first 90% of the text to train on, last 10% to validate
    seed: int = 1337


class FeedForward(nn.Module):
    def __init__(self, width, dropout=0.0):
        super().__init__()
        self.fc1 = nn.Linear(width, 4 * width)
        self.fc2 = nn.Linear(4 * width, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.fc2(F.gelu(self.fc1(x))))


class Block(nn.Module):
    """Pre-norm block with fused causal attention (``F.scaled_dot_product_attention``)."""

    def __init__(self, d_model, n_head, dropout=0.0):
        super().__init__()
        if d_model % n_head:
            raise ValueError(f"d_model={d_model} is not a multiple of n_head={n_head}")
        self.n_head = n_head
        self.attn_dropout = float(dropout)
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=True)
        self.proj = nn.Linear(d_model, d_model, bias=True)
        self.resid_drop = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ffwd = FeedForward(d_model, dropout)

    def attention(self, x):
        N, T, d_model = x.shape
        heads = self.qkv(x).view(N, T, 3, self.n_head, d_model // self.n_head).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(heads[0], heads[1], heads[2], is_causal=True,
                                             dropout_p=self.attn_dropout if self.training else 0.0)
        return self.resid_drop(self.proj(out.transpose(1, 2).reshape(N, T, d_model)))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPT(nn.Module):
    """A decoder-only transformer: token + learned position embeddings, blocks, final norm, linear head.

    The head has no bias and shares its weight matrix with the token embedding (weight tying).
    """

    def __init__(self, config):
        super().__init__()
        self.config = config
        V, width = config.vocab_size, config.n_embd
        self.tok_emb = nn.Embedding(V, width)
        self.pos_emb = nn.Embedding(config.block_size, width)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.Sequential(*[Block(config.n_embd, config.n_head, config.dropout)
                                      for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, V, bias=False)
        self.head.weight = self.tok_emb.weight  # one (|V|, d_model) matrix for both
        self.apply(init_weights)
        scale_residual_projections(self, config.n_layer)

    def forward(self, idx, targets=None):
        N, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"a sequence of {T} tokens is longer than the context window ({self.config.block_size})")
        positions = torch.arange(T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        logits = self.head(self.ln_f(self.blocks(x)))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.reshape(N * T, -1), targets.reshape(N * T))
        return logits, loss


def init_weights(module):
    """GPT-2 style initialisation: N(0, 0.02) weights, zero biases (layer norms keep 1 and 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def scale_residual_projections(model, n_layer):
    """GPT-2's N(0, 0.02 / sqrt(2 L)) for the last layer of every residual branch.

    The residual stream adds 2 L branch outputs; this keeps its variance at initialisation
    from growing with depth.
    """
    for name, p in model.named_parameters():
        if name.endswith(("proj.weight", "fc2.weight")):
            nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))


def count_parameters(model):
    """Parameters of ``model``, a shared (tied) tensor counted once."""
    return sum(p.numel() for p in model.parameters())


def decay_split(model):
    """(to decay, not to decay): the parameters of ``model``, each exactly once.

    Decayed: the weight matrix of every ``nn.Linear`` (with weight tying, the token
    embedding is the head's matrix, so it is decayed too). Not decayed: biases, layer
    norms' gains and shifts, and any other parameter such as the position table.
    """
    matrices = {id(m.weight) for m in model.modules() if isinstance(m, nn.Linear)}
    params = list(model.parameters())  # a tied tensor appears once here
    return [p for p in params if id(p) in matrices], [p for p in params if id(p) not in matrices]


def make_optimizer(model, lr, weight_decay, **kwargs):
    """AdamW with weight decay on the linear layers' weight matrices only (:func:`decay_split`)."""
    decay, no_decay = decay_split(model)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, **kwargs)


def make_scheduler(optimizer, warmup_steps, total_steps, min_lr_ratio=0.1):
    """Linear warm-up to the optimizer's learning rate, then cosine decay to ``min_lr_ratio`` of it.

    Built from torch's own schedulers; call ``step()`` once after every optimizer step.
    """
    peak = optimizer.param_groups[0]["lr"]
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=max(total_steps - warmup_steps, 1), eta_min=peak * min_lr_ratio)
    if warmup_steps <= 0:
        return cosine
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup_steps, total_iters=warmup_steps)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])


# --- loss estimation, sampling, search -----------------------------------------------------------


@torch.no_grad()
def estimate_loss(model, dataset, batch_size, num_batches, generator):
    """Mean of the model's loss over ``num_batches`` batches, in eval mode; the mode is restored."""
    was_training = model.training
    model.eval()
    losses = []
    for _ in range(num_batches):
        x, y = get_batch(dataset, batch_size, generator)
        losses.append(model(x, y)[1].item())
    model.train(was_training)
    return float(torch.tensor(losses, dtype=torch.float64).mean())


def next_token_probs(logits, temperature=1.0, top_k=None):
    """The distribution ``sample_next_token`` draws from: softmax(logits / tau) on the top k, 0 elsewhere.

    The top k of a row are the tokens whose logit is at least the row's k-th largest logit:
    k of them, or more when logits tie at the boundary.
    """
    scaled = logits.to(torch.float64) / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        kth = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, -math.inf)
    return torch.softmax(scaled, dim=-1)


def sample_next_token(logits, temperature=1.0, top_k=None, generator=None):
    """One token id per row of ``logits`` (N, |V|), drawn from :func:`next_token_probs`: int64, shape (N,)."""
    return torch.multinomial(next_token_probs(logits, temperature, top_k), 1, generator=generator)[:, 0]


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
    """Extend each row of ``idx`` (N, T0) by sampled tokens, the context cropped to the model's block size.

    Sampling happens on the CPU (with a CPU ``generator``), whatever device the model is on.
    """
    was_training = model.training
    model.eval()
    for _ in range(max_new_tokens):
        logits, _ = model(idx[:, -model.config.block_size:])
        chosen = sample_next_token(logits[:, -1, :].float().cpu(), temperature, top_k, generator)
        idx = torch.cat([idx, chosen[:, None].to(idx.device)], dim=1)
    model.train(was_training)
    return idx


def _log_probs_next(model, seqs, block_size):
    """log p(next token | each row of ``seqs``), cropped to the last ``block_size`` tokens: (rows, V) float64."""
    logits, _ = model(seqs[:, -block_size:])
    return torch.log_softmax(logits[:, -1, :].to(torch.float64), dim=-1)


@torch.no_grad()
def beam_search(model, prompt, num_new_tokens, beam_width, block_size):
    """Plain beam search, one sequence at a time: returns (best sequence incl. prompt, its log-probability).

    The log-probability is the sum of log p(token | context) over the new tokens only. Each
    step scores all beams in one call of the model; ties keep the earlier beam and token.
    """
    was_training = model.training
    model.eval()
    beams = [(prompt.tolist(), 0.0)]
    for _ in range(num_new_tokens):
        logp = _log_probs_next(model, torch.tensor([seq for seq, _ in beams], dtype=torch.int64), block_size)
        candidates = [(seq + [tok], score + float(logp[b, tok]))
                      for b, (seq, score) in enumerate(beams) for tok in range(logp.shape[1])]
        candidates.sort(key=lambda c: c[1], reverse=True)  # stable: ties keep their order
        beams = candidates[:beam_width]
    model.train(was_training)
    best, score = beams[0]
    return torch.tensor(best, dtype=torch.int64), score


@torch.no_grad()
def best_sequence(model, prompt, num_new_tokens, vocab_size, block_size):
    """Exhaustive search: the continuation with the highest log-probability over all V**n of them.

    All continuations are scored at once, one call of the model per new token; a tie goes to
    the first continuation in lexicographic order.
    """
    was_training = model.training
    model.eval()
    tails = torch.tensor(list(itertools.product(range(vocab_size), repeat=num_new_tokens)),
                         dtype=torch.int64).reshape(-1, num_new_tokens)
    seqs = torch.cat([prompt[None, :].expand(len(tails), -1), tails], dim=1)
    rows = torch.arange(len(tails))
    scores = torch.zeros(len(tails), dtype=torch.float64)
    for step in range(num_new_tokens):
        scores += _log_probs_next(model, seqs[:, :len(prompt) + step], block_size)[rows, tails[:, step]]
    model.train(was_training)
    best = int(torch.argmax(scores))
    return seqs[best].clone(), float(scores[best])
