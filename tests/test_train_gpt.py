"""The GPT training script and benchmark: data-parallel replicas agree, checkpoints resume, samples print."""

import json
import os
import subprocess
import sys

import torch

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "train_gpt.py"
TINY = ["--config", "tiny", "--device", "cpu", "--eval-batches", "2"]


def run(*args, torchrun=False):
    env = dict(os.environ, OMP_NUM_THREADS="1")  # two processes on two cores: no thread oversubscription
    command = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"] if torchrun
               else [sys.executable]) + [str(SCRIPT), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_two_data_parallel_processes_keep_identical_weights(tmp_path):
    run(*TINY, "--steps", "0", "--rank-weights", str(tmp_path / "start"))
    run(*TINY, "--steps", "3", "--eval-interval", "3", "--rank-weights", str(tmp_path / "ddp"), torchrun=True)
    rank0, rank1 = (torch.load(tmp_path / "ddp" / f"rank{r}.pt") for r in (0, 1))
    start = torch.load(tmp_path / "start" / "rank0.pt")
    assert rank0.keys() == rank1.keys() == start.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0), "the replicas drifted apart"
    assert not all(torch.equal(rank0[k], start[k]) for k in rank0), "no training step happened"


def test_checkpoint_resume_and_sample(tmp_path):
    ckpt, history = tmp_path / "gpt.pt", tmp_path / "history.json"
    out = run(*TINY, "--steps", "4", "--eval-interval", "2", "--checkpoint", str(ckpt), "--history", str(history))
    assert "4,608 parameters" in out  # the head shares the token table: counted once
    assert [h["step"] for h in json.loads(history.read_text())] == [2, 4]
    out = run(*TINY, "--steps", "6", "--eval-interval", "2", "--checkpoint", str(ckpt), "--resume", "--sample", "40")
    assert "resumed from" in out and "at step 4" in out
    assert torch.load(ckpt, weights_only=False)["step"] == 6
    sample = out.split("-" * 60 + "\n", 1)[1]
    assert len(sample.rstrip("\n")) >= 30  # 40 characters, some of them newlines


def test_benchmark_prints_throughput_and_loss():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_gpt.py"), "--config", "tiny", "--device", "cpu",
                           "--steps", "4", "--eval-interval", "2", "--target", "99"],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr
    assert "tokens/s" in done.stdout and "best validation loss" in done.stdout
    assert "target 99.0: reached at step 2" in done.stdout
