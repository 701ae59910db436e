"""Benchmark the chapter-9 GPT: tokens per second, and validation loss against wall time.

    python scripts/bench_gpt.py --config small              # the CPU configuration, 2000 steps
    python scripts/bench_gpt.py --config full --target 1.47 # the GPU configuration

Prints one line per evaluation (step, seconds of training so far, validation loss,
tokens per second), then a summary: the best validation loss, when it was reached,
the mean throughput, and the time to reach ``--target`` if one is given. It trains
with ``train_gpt.py``'s own loop, so the numbers are that script's.
"""

import argparse
import platform

import torch

import train_gpt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", choices=sorted(train_gpt.CONFIGS), default="small")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--eval-interval", type=int, default=50)
    parser.add_argument("--target", type=float, help="report when the validation loss first reaches this")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto")
    parser.add_argument("--no-compile", dest="compile", action="store_false")
    args = parser.parse_args(argv)

    train_args = train_gpt.parse_args(["--config", args.config, "--device", args.device, "--eval-interval",
                                       str(args.eval_interval), "--precision", args.precision] + ([] if args.steps is None else ["--steps", str(args.steps)])
                                      + ([] if args.compile else ["--no-compile"]))
    device = train_gpt.pick_device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.processor() or 'CPU'}, {torch.get_num_threads()} threads"
    bf16 = train_gpt.use_bf16(args.precision, device)
    print(f"benchmark: config {args.config} on {device} ({where}), torch {torch.__version__}, "
          f"{'bfloat16 autocast' if bf16 else 'float32'}")
    history = train_gpt.train(train_args, log=lambda *a: None)

    print(f"{'step':>6} {'seconds':>9} {'val loss':>9} {'tokens/s':>11}")
    for h in history:
        print(f"{h['step']:6d} {h['seconds']:9.1f} {h['val_loss']:9.4f} {h['tokens_per_second']:11,}")
    best = min(history, key=lambda h: h["val_loss"])
    rates = [h["tokens_per_second"] for h in history[1:]] or [history[0]["tokens_per_second"]]  # skip warm-up
    print(f"best validation loss {best['val_loss']:.4f} at step {best['step']} after {best['seconds']:.1f} s; "
          f"mean {sum(rates) / len(rates):,.0f} tokens/s after the first evaluation")
    if args.target is not None:
        hit = next((h for h in history if h["val_loss"] <= args.target), None)
        print(f"target {args.target}: " + (f"reached at step {hit['step']} after {hit['seconds']:.1f} s" if hit else "not reached"))


if __name__ == "__main__":
    main()
