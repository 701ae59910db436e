"""PyTorch references for Chapter 4, optimizers.

The hidden tests of ``solutions/04_optimizers.md`` run ``torch.optim`` on the same
starting parameters and the same sequence of gradients as the student's NumPy step
functions, and compare the parameters and the optimizer's state after every step.

Conventions shared with the chapter:

* one parameter array ``w`` (any shape) and its gradient ``g`` of the same shape and
  dtype; float32 stays float32, float64 stays float64;
* the single-tensor code path of torch (``foreach=False``), so that the arithmetic is
  done parameter by parameter, as the student's NumPy does it;
* the step counter ``t`` starts at 1 on the first step (torch's ``state["step"]``);
* the learning-rate schedule is torch's ``LinearLR`` (from ``peak / warmup_steps``)
  followed by ``CosineAnnealingLR`` (to ``min_lr`` after ``total_steps`` steps),
  joined by ``SequentialLR``; the rate of step s is the one in force when step s runs.
"""

import numpy as np
import torch
from torch.optim import lr_scheduler
from torch.utils.data import BatchSampler

# The name of each state entry in torch, and the name the chapter's functions use.
STATE_NAMES = {
    "SGD": {"momentum_buffer": "buf"},
    "Adagrad": {"sum": "sum_sq"},
    "RMSprop": {"square_avg": "sq_avg"},
    "Adam": {"exp_avg": "m", "exp_avg_sq": "s"},
    "AdamW": {"exp_avg": "m", "exp_avg_sq": "s"},
}


def minibatches(n, batch_size, generator, shuffle=True, drop_last=False):
    """One epoch's index batches: ``torch.randperm`` (or 0..n-1) cut by torch's BatchSampler.

    (``RandomSampler`` would draw a second, empty permutation and so advance the
    generator twice; ``DataLoader(shuffle=True)`` batches exactly this order.)
    """
    order = torch.randperm(n, generator=generator).numpy() if shuffle else np.arange(n)
    return [np.asarray(b, dtype=np.int64) for b in BatchSampler(order.tolist(), batch_size, drop_last)]


def trajectory(name, w0, grads, **options):
    """Run ``torch.optim.<name>`` from ``w0`` on ``grads``; after each step, (w, state).

    ``state`` maps the chapter's names (``STATE_NAMES``) to NumPy arrays, or None
    where torch keeps none (SGD without momentum).
    """
    w = torch.tensor(np.array(w0), requires_grad=True)
    optimizer = getattr(torch.optim, name)([w], foreach=False, **options)
    steps = []
    for g in grads:
        w.grad = torch.tensor(np.array(g))
        optimizer.step()
        state = optimizer.state[w]
        names = STATE_NAMES[name]
        steps.append((w.detach().clone().numpy(),
                      {ours: (None if state.get(theirs) is None
                              else state[theirs].detach().clone().numpy())
                       for theirs, ours in names.items()}))
    return steps


def warmup_cosine(peak_lr, warmup_steps, total_steps, min_lr=0.0):
    """float64 (total_steps,): the learning rate in force at each step 0 .. total_steps - 1."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([p], lr=peak_lr)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps,
                                            eta_min=min_lr)
    if warmup_steps > 0:
        warmup = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warmup_steps,
                                       total_iters=warmup_steps)
        schedule = lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])
    else:
        schedule = cosine
    rates = []
    for _ in range(total_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return np.array(rates, dtype=np.float64)
