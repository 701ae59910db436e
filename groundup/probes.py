"""Test doubles that the chapters' tests pass to your code, and a helper to take gradients.

Tests of functions that take a model (``estimate_loss``, ``beam_search``...) need
small models whose behaviour is known. They live here, in the open, so that the
same test code runs in your notebook (the visible tests) and in the grader's
judge. When the judge runs a test, building a probe gives a stand-in for a probe
built in your kernel, because the judge never sends its own objects to your code;
``Probe.local(...)`` builds a real one on the judge's side, for the reference.
"""

import contextvars

import torch
import torch.nn as nn
import torch.nn.functional as F

# Set by the grader's judge while it runs a test: (dotted class name, args, kwargs) -> stand-in.
maker = contextvars.ContextVar("groundup_probe_maker", default=None)


class Probe(nn.Module):
    """Base of the test doubles: built where the code under test runs (see the module's docstring)."""

    def __new__(cls, *args, **kwargs):
        make = maker.get()
        if make is not None:
            return make(f"{cls.__module__}.{cls.__qualname__}", args, kwargs)
        return super().__new__(cls)

    @classmethod
    def local(cls, *args, **kwargs):
        """A real instance in this process, even inside the judge."""
        token = maker.set(None)
        try:
            return cls(*args, **kwargs)
        finally:
            maker.reset(token)


def forward_backward(fn, args, upstream=None, pick=None):
    """Run ``fn(*args)`` and backpropagate; return (output, input gradients, parameter gradients).

    Floating-point tensors in ``args`` are differentiated. The loss is the output itself
    when ``upstream`` is None (it must be a number), else sum(output * upstream);
    ``pick`` selects one element of a tuple output first (``pick=1`` for a (logits, loss) pair).
    Parameter gradients are keyed by name when ``fn`` is a module.
    """
    leaves = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
              for a in args]
    out = fn(*leaves)
    target = out if pick is None else out[pick]
    loss = target if upstream is None else (target * upstream).sum()
    loss.backward()
    grads = [a.grad if isinstance(a, torch.Tensor) and a.requires_grad else None for a in leaves]
    params = {name: p.grad for name, p in fn.named_parameters()} if isinstance(fn, nn.Module) else {}
    detached = tuple(o.detach() if isinstance(o, torch.Tensor) else o for o in out) if isinstance(out, tuple) \
        else out.detach()
    return detached, grads, params


# --- test doubles of chapter 9 (transformers) -------------------------------------------------


class UniformModel(Probe):
    """A language model that scores all ``vocab_size`` tokens alike whatever it reads: its loss is ln V."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.offset = nn.Parameter(torch.zeros(()))

    def forward(self, idx, targets=None):
        logits = torch.zeros(*idx.shape, self.vocab_size, device=idx.device) + self.offset
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1))


class CallRecorder(Probe):
    """Like :class:`UniformModel` (learned scores, the same at every position), and it keeps a diary.

    Each call appends (was it in training mode?, were gradients being tracked?) to ``calls``.
    """

    def __init__(self, vocab_size):
        super().__init__()
        self.calls = []
        self.scores = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, idx, targets=None):
        self.calls.append((self.training, torch.is_grad_enabled()))
        logits = self.scores.expand(*idx.shape, -1)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


class BigramTable(Probe):
    """A toy language model whose next-token distribution depends only on the last token.

    ``probs[a][b]`` is the probability that token b follows token a. Called with ids of shape
    (rows, T), it returns (logits of shape (rows, T, V), None): the logits are log(probs[a]).
    """

    def __init__(self, probs):
        super().__init__()
        self.log_probs = nn.Parameter(torch.tensor(probs, dtype=torch.float32).log(), requires_grad=False)

    def forward(self, idx, targets=None):
        return self.log_probs[idx], None


class SmallCausalLM(Probe):
    """A small causal language model from stock PyTorch layers; returns (logits, loss) like the chapter's GPT.

    Token and learned position embeddings, dropout, one ``nn.TransformerEncoderLayer`` with a
    causal mask, and a linear read-out. Its position table has ``block_size`` rows, so it cannot
    read a longer sequence (an IndexError). The loss is the mean cross-entropy over all positions.
    """

    def __init__(self, vocab_size, block_size, width=16, n_head=2, dropout=0.0):
        super().__init__()
        self.tokens = nn.Embedding(vocab_size, width)
        self.places = nn.Embedding(block_size, width)
        self.drop = nn.Dropout(dropout)
        self.layer = nn.TransformerEncoderLayer(width, n_head, 4 * width, dropout,
                                                batch_first=True, norm_first=True)
        self.readout = nn.Linear(width, vocab_size)

    def forward(self, idx, targets=None):
        T = idx.shape[-1]
        h = self.drop(self.tokens(idx) + self.places(torch.arange(T, device=idx.device)))
        future = torch.triu(torch.full((T, T), float("-inf"), device=idx.device), diagonal=1)
        logits = self.readout(self.layer(h, src_mask=future, is_causal=True))
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.transpose(1, 2), targets)  # classes in dimension 1


class CausalMixer(Probe):
    """A stand-in for a transformer block, (B, T, C) -> (B, T, C), that is not one.

    Position t adds tanh(Linear(mean of positions 0..t)) to itself: it mixes the positions of a
    sequence along dimension 1, never looks ahead, and never mixes different sequences.
    """

    def __init__(self, width):
        super().__init__()
        self.mix = nn.Linear(width, width)

    def forward(self, x):
        seen = torch.arange(1, x.shape[-2] + 1, dtype=x.dtype, device=x.device)[:, None]
        return x + torch.tanh(self.mix(x.cumsum(dim=-2) / seen))
