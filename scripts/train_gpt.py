"""Train the chapter-9 GPT on Tiny Shakespeare outside the notebook, on one device or many.

    python scripts/train_gpt.py --config small                     # CPU: ~0.81M parameters, 2000 steps
    python scripts/train_gpt.py --config full                      # one GPU: ~10.77M parameters, 5000 steps
    torchrun --nproc_per_node=4 scripts/train_gpt.py --config full # DistributedDataParallel on 4 GPUs
    python scripts/train_gpt.py --checkpoint gpt.pt --resume --steps 8000    # carry on from a checkpoint
    python scripts/train_gpt.py --checkpoint gpt.pt --resume --steps 0 --sample 1000   # only generate

The model is the reference GPT of ``autograder/references/transformers.py``: the same
architecture and parameter names as the model students build in chapter 9. Under
``torchrun`` every process trains a replica on its own batches; DistributedDataParallel
averages the gradients, so the replicas stay identical (``--rank-weights`` lets a test
check that). Data: the first 90% of the text trains, the last 10% validates.

AdamW decays only the weight matrices of the linear layers (``make_optimizer``): weight
decay pulls a parameter towards 0, which suits a matrix that scales its input, but not a
layer norm's gain (whose neutral value is 1), a bias or the position table (which shift
rather than scale). The token table is decayed because, tied to the head, it is a
linear layer's matrix.
"""

import argparse
import dataclasses
import json
import os
import pathlib
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # the course root, for autograder/
from autograder.references.transformers import (  # noqa: E402
    GPT, GPTConfig, count_parameters, decode, encode, generate, make_optimizer, make_scheduler, vocabulary)
from groundup.data import tiny_shakespeare  # noqa: E402

# name -> (model shape, batch size, peak learning rate, steps, warm-up steps). "small" and "full"
# are the chapter's CPU and GPU configurations; "tiny" exists for tests. Both real ones train
# as chapter 4 teaches: AdamW, a linear warm-up, then cosine decay to a tenth of the peak.
CONFIGS = {
    "full": (GPTConfig(block_size=256, n_layer=6, n_head=6, n_embd=384, dropout=0.2), 64, 1e-3, 2000, 100),
    "small": (GPTConfig(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0), 24, 6e-3, 700, 60),
    "tiny": (GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.0), 4, 1e-3, 10, 2),
}


def pick_device(name):
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def split_data(text):
    """Vocabulary and the train / validation token tensors (first 90% / last 10% of the text)."""
    chars = vocabulary(text)
    data = encode(text, chars)
    cut = int(0.9 * len(data))
    return chars, data[:cut], data[cut:]


def get_batch(data, batch_size, block_size, generator, device):
    """``batch_size`` random windows of the data: inputs, and targets shifted by one token."""
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    windows = data[starts[:, None] + torch.arange(block_size + 1)]
    return windows[:, :-1].to(device, non_blocking=True), windows[:, 1:].to(device, non_blocking=True)


@torch.no_grad()
def evaluate(model, data, config, batch_size, batches, device, autocast):
    """Mean loss over ``batches`` fixed batches (the same on every call and every process)."""
    model.eval()
    generator = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(batches):
        x, y = get_batch(data, batch_size, config.block_size, generator, device)
        with autocast():
            losses.append(model(x, y)[1].float().item())
    model.train()
    return sum(losses) / len(losses)


def use_bf16(precision, device):
    """Whether to train under bfloat16 autocast: ``precision`` is "auto", "bf16" or "fp32".

    "auto" uses it on CUDA and on CPUs with native bfloat16 arithmetic (AVX512-BF16 or AMX),
    where it is 1.2-1.3 times faster; elsewhere it would be slower than float32.
    """
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        try:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())  # no public API asks this
        except (AttributeError, RuntimeError):
            return False
    return False


def train(args, log=print):
    """Train as ``args`` says; return the history: one dict per evaluation."""
    distributed = "RANK" in os.environ
    rank, world = (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])) if distributed else (0, 1)
    device = pick_device(args.device)
    if distributed:
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    say = log if rank == 0 else (lambda *a, **k: None)

    config, batch_size, lr, steps, warmup = CONFIGS[args.config]
    batch_size = args.batch_size or batch_size
    lr = args.lr or lr
    steps = steps if args.steps is None else args.steps
    warmup = warmup if args.warmup is None else args.warmup
    chars, train_data, val_data = split_data(tiny_shakespeare())
    config = dataclasses.replace(config, vocab_size=len(chars))

    torch.manual_seed(args.seed)  # identical initial weights in every process
    model = GPT(config).to(device)
    cuda = device.type == "cuda"
    # The fused AdamW updates every tensor in one kernel, on CUDA and (since torch 2.4) on CPUs.
    optimizer = make_optimizer(model, lr, args.weight_decay, betas=(0.9, args.beta2),
                               fused=device.type in ("cuda", "cpu"))
    scheduler = make_scheduler(optimizer, warmup, steps)
    step = 0
    if args.resume:
        state = torch.load(args.checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        say(f"resumed from {args.checkpoint} at step {step}")

    bf16 = use_bf16(args.precision, device)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    net = DistributedDataParallel(model) if distributed else model
    if cuda and args.compile:
        net = torch.compile(net)
    n_params = count_parameters(model)  # the head's matrix is the token table's: counted once
    say(f"{args.config} model: {n_params:,} parameters ({n_params / 1e6:.2f}M) on {device} x {world}; "
        f"batch {batch_size} x {config.block_size} tokens per process, lr {lr} (warm-up {warmup} steps, "
        f"then cosine to {lr / 10:g}), {'bfloat16 autocast' if bf16 else 'float32'}, steps {step} -> {steps}")

    generator = torch.Generator().manual_seed(args.seed + 1000 * rank + step)  # each process its own batches
    # Seconds of training only: the validation estimates are not counted.
    history, trained, last, tokens = [], 0.0, time.perf_counter(), 0
    while step < steps:
        x, y = get_batch(train_data, batch_size, config.block_size, generator, device)
        with autocast():
            _, loss = net(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        scheduler.step()
        step += 1
        tokens += batch_size * config.block_size * world
        if step % args.eval_interval == 0 or step == steps:
            now = time.perf_counter()
            trained += now - last
            val = evaluate(model, val_data, config, batch_size, args.eval_batches, device, autocast)
            entry = {"step": step, "seconds": round(trained, 2), "train_loss": round(loss.item(), 4),
                     "val_loss": round(val, 4), "tokens_per_second": round(tokens / (now - last))}
            history.append(entry)
            say(f"step {step:5d} | {entry['seconds']:8.1f} s | train loss {entry['train_loss']:.4f} | "
                f"val loss {val:.4f} | {entry['tokens_per_second']:,} tokens/s")
            tokens, last = 0, time.perf_counter()
            if args.checkpoint and rank == 0:
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "scheduler": scheduler.state_dict(), "step": step,
                            "config": dataclasses.asdict(config), "chars": chars}, args.checkpoint)
    if args.rank_weights:
        pathlib.Path(args.rank_weights).mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), pathlib.Path(args.rank_weights) / f"rank{rank}.pt")
    if args.sample and rank == 0:
        say("-" * 60)
        start = encode("\n", chars)[None, :].to(device)
        text = generate(model, start, args.sample, temperature=args.temperature, top_k=args.top_k,
                        generator=torch.Generator().manual_seed(args.seed))
        say(decode(text[0, 1:], chars))
    if distributed:
        dist.destroy_process_group()
    return history


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", choices=sorted(CONFIGS), default="small", help="model and training size")
    parser.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    parser.add_argument("--steps", type=int, help="train until this step (default: the config's)")
    parser.add_argument("--batch-size", type=int, help="sequences per step and process (default: the config's)")
    parser.add_argument("--lr", type=float, help="peak AdamW learning rate (default: the config's)")
    parser.add_argument("--warmup", type=int, help="warm-up steps before the cosine decay (default: the config's)")
    parser.add_argument("--beta2", type=float, default=0.99,
                        help="AdamW's beta2: 0.99 forgets old squared gradients faster than the default 0.999")
    parser.add_argument("--weight-decay", type=float, default=0.1,
                        help="AdamW weight decay, on the linear layers' weight matrices only")
    parser.add_argument("--grad-clip", type=float, default=1.0,
                        help="clip the gradient norm to this, as the chapter's loop does (0: no clipping)")
    parser.add_argument("--eval-interval", type=int, default=250, help="steps between validation-loss estimates")
    parser.add_argument("--eval-batches", type=int, default=50, help="batches per validation-loss estimate")
    parser.add_argument("--checkpoint", help="save model and optimizer here at every evaluation")
    parser.add_argument("--resume", action="store_true", help="start from --checkpoint")
    parser.add_argument("--sample", type=int, default=0, help="characters to generate after training")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-k", type=int)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto",
                        help="bfloat16 autocast or plain float32; auto: bf16 on CUDA and on CPUs with bf16 units")
    parser.add_argument("--no-compile", dest="compile", action="store_false", help="skip torch.compile on CUDA")
    parser.add_argument("--history", help="write the evaluation history to this JSON file")
    parser.add_argument("--rank-weights", help="folder where every process writes its final weights")
    args = parser.parse_args(argv)
    if args.resume and not args.checkpoint:
        parser.error("--resume needs --checkpoint")
    return args


def main(argv=None):
    args = parse_args(argv)
    history = train(args)
    if args.history and int(os.environ.get("RANK", 0)) == 0:
        pathlib.Path(args.history).write_text(json.dumps(history, indent=1))


if __name__ == "__main__":
    main()
