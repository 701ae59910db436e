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
* a next-token example ``i`` of a 1-D token tensor ``data`` is
  ``(data[i:i+T], data[i+1:i+T+1])``;
* a batch draws its ``B`` start indices with ``torch.randint(len(dataset), (B,), generator=g)``;
* a transformer block is pre-norm: ``x + attn(ln1(x))``, then ``x + ffwd(ln2(x))``, with
  causal multi-head self-attention whose query, key and value projections are the three
  row blocks of one ``qkv`` linear layer, heads taking consecutive slices of the width;
* the feed-forward layer is ``Linear(C, 4C)``, exact (erf) GELU, ``Linear(4C, C)``, dropout;
* layer normalization uses the biased variance and ``eps = 1e-5`` inside the square root;
* the model returns ``(logits, loss)``, the loss the mean cross-entropy over all ``B*T``
  positions, or ``None`` without targets.
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


def next_token_example(data, i, block_size):
    """Input and target of example ``i``: the targets are the inputs shifted left by one."""
    window = data[i:i + block_size + 1]
    return window[:-1], window[1:]


def get_batch(dataset, batch_size, generator=None):
    """A batch (x, y) of shape (B, T) each, drawn as the chapter's ``get_batch`` draws it."""
    starts = torch.randint(len(dataset), (batch_size,), generator=generator)
    pairs = [dataset[int(i)] for i in starts]
    return torch.stack([x for x, _ in pairs]), torch.stack([y for _, y in pairs])


# --- the pieces of a block -----------------------------------------------------------------------


def layer_norm(x, weight, bias, eps=1e-5):
    """PyTorch's layer normalization over the last dimension."""
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def torch_feed_forward(fc1, fc2):
    """An ``nn.Sequential`` (Linear, GELU, Linear) holding copies of the weights of ``fc1`` and ``fc2``."""
    seq = nn.Sequential(nn.Linear(fc1.in_features, fc1.out_features), nn.GELU(),
                        nn.Linear(fc2.in_features, fc2.out_features))
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
    """A pre-norm transformer block from stock PyTorch modules (``nn.MultiheadAttention``)."""

    def __init__(self, n_embd, n_head, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, dropout=dropout, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.ffwd = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd),
                                  nn.Dropout(dropout))

    def forward(self, x):
        h = self.ln1(x)
        attended, _ = self.attn(h, h, h, attn_mask=causal_mask(x.shape[1], x.device), need_weights=False)
        x = x + self.drop(attended)
        return x + self.ffwd(self.ln2(x))


def torch_block_like(block):
    """A :class:`TorchBlock` in eval mode with the weights of a chapter-style ``block`` copied in.

    ``block`` has ``ln1``, ``ln2`` (with ``weight``, ``bias``), ``qkv`` (Linear C -> 3C),
    ``proj`` (Linear C -> C), ``ffwd.fc1``, ``ffwd.fc2`` and an integer ``n_head``.
    """
    n_embd = block.proj.in_features
    ref = TorchBlock(n_embd, block.n_head).to(dtype=block.qkv.weight.dtype)
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
    """The shape of a GPT. The defaults are the full-size model of the chapter (about 10.8M parameters)."""

    vocab_size: int = 65
    block_size: int = 256  # the context window, in tokens
    n_layer: int = 6
    n_head: int = 6
    n_embd: int = 384
    dropout: float = 0.2


@dataclass
class TrainConfig:
    """How the chapter trains the full-size model on a GPU (AdamW, constant learning rate)."""

    batch_size: int = 64
    learning_rate: float = 3e-4
    max_steps: int = 5000
    eval_interval: int = 250
    eval_batches: int = 50
    weight_decay: float = 0.01  # AdamW's default
    grad_clip: float = 1.0
    train_fraction: float = 0.9  # first 90% of the text to train on, last 10% to validate
    seed: int = 1337


class FeedForward(nn.Module):
    def __init__(self, n_embd, dropout=0.0):
        super().__init__()
        self.fc1 = nn.Linear(n_embd, 4 * n_embd)
        self.fc2 = nn.Linear(4 * n_embd, n_embd)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.fc2(F.gelu(self.fc1(x))))


class Block(nn.Module):
    """Pre-norm block with fused causal attention (``F.scaled_dot_product_attention``)."""

    def __init__(self, n_embd, n_head, dropout=0.0):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd={n_embd} is not a multiple of n_head={n_head}")
        self.n_head = n_head
        self.attn_dropout = float(dropout)
        self.ln1 = nn.LayerNorm(n_embd)
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=True)
        self.proj = nn.Linear(n_embd, n_embd, bias=True)
        self.resid_drop = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.ffwd = FeedForward(n_embd, dropout)

    def attention(self, x):
        B, T, C = x.shape
        heads = self.qkv(x).view(B, T, 3, self.n_head, C // self.n_head).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(heads[0], heads[1], heads[2], is_causal=True,
                                             dropout_p=self.attn_dropout if self.training else 0.0)
        return self.resid_drop(self.proj(out.transpose(1, 2).reshape(B, T, C)))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class GPT(nn.Module):
    """A decoder-only transformer: token + learned position embeddings, blocks, final norm, linear head."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        V, C = config.vocab_size, config.n_embd
        self.tok_emb = nn.Embedding(V, C)
        self.pos_emb = nn.Embedding(config.block_size, C)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.Sequential(*[Block(config.n_embd, config.n_head, config.dropout)
                                      for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(C)
        self.head = nn.Linear(C, V)
        self.apply(init_weights)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"a sequence of {T} tokens is longer than the context window ({self.config.block_size})")
        positions = torch.arange(T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        logits = self.head(self.ln_f(self.blocks(x)))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))
        return logits, loss


def init_weights(module):
    """GPT-2 style initialisation: N(0, 0.02) weights, zero biases (layer norms keep 1 and 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


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
    """The distribution ``sample_next_token`` draws from: softmax(logits / T) on the top-k logits, 0 elsewhere."""
    scaled = logits.to(torch.float64) / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        keep = torch.zeros_like(scaled, dtype=torch.bool)
        keep.scatter_(-1, scaled.topk(top_k, dim=-1).indices, True)
        scaled = scaled.masked_fill(~keep, -math.inf)
    return torch.softmax(scaled, dim=-1)


def sample_next_token(logits, temperature=1.0, top_k=None, generator=None):
    """One token id per row of ``logits`` (B, V), drawn from :func:`next_token_probs`: int64 of shape (B,)."""
    return torch.multinomial(next_token_probs(logits, temperature, top_k), 1, generator=generator)[:, 0]


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
    """Extend each row of ``idx`` (B, T0) by sampled tokens, the context cropped to the model's block size.

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

    The log-probability is the sum of log p(token | context) over the new tokens only.
    """
    was_training = model.training
    model.eval()
    beams = [(prompt.tolist(), 0.0)]
    for _ in range(num_new_tokens):
        candidates = []
        for seq, score in beams:
            logp = _log_probs_next(model, torch.tensor([seq], dtype=torch.int64), block_size)[0]
            candidates += [(seq + [tok], score + float(logp[tok])) for tok in range(logp.shape[0])]
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = candidates[:beam_width]
    model.train(was_training)
    best, score = beams[0]
    return torch.tensor(best, dtype=torch.int64), score


@torch.no_grad()
def best_sequence(model, prompt, num_new_tokens, vocab_size, block_size):
    """Exhaustive search: the continuation with the highest log-probability over all V**n of them."""
    was_training = model.training
    model.eval()
    best = (None, -math.inf)
    for tail in itertools.product(range(vocab_size), repeat=num_new_tokens):
        seq = prompt.tolist() + list(tail)
        score = 0.0
        for step in range(num_new_tokens):
            context = torch.tensor([seq[:len(prompt) + step]], dtype=torch.int64)
            score += float(_log_probs_next(model, context, block_size)[0, tail[step]])
        if score > best[1]:
            best = (seq, score)
    model.train(was_training)
    return torch.tensor(best[0], dtype=torch.int64), best[1]
