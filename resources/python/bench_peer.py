"""PyTorch peer of `unetlab-cli bench`: the same models (unetlab_models.py), the same
shapes, threads and memory format, timed the same way (median after two warm-up runs),
so the C++ engine's figures can be compared with PyTorch's Python API in one run.

    python3 bench_peer.py --threads 2 --size 256 --batch 4 --steps 10 --runs 20

Prints one JSON object on the last line.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unetlab_models import preset  # noqa: E402


def timed(fn, repeats):
    times = []
    for i in range(repeats + 2):
        t0 = time.perf_counter()
        fn()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def train_step_time(name, size, batch, steps):
    torch.manual_seed(1)
    model = preset(name).to(memory_format=torch.channels_last).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 3, (batch, size, size))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return timed(step, steps)


def inference_time(name, size, runs):
    torch.manual_seed(1)
    model = preset(name).to(memory_format=torch.channels_last).eval()
    x = torch.rand(1, 3, size, size).contiguous(memory_format=torch.channels_last)

    def run():
        with torch.inference_mode():
            model(x).argmax(1)

    return timed(run, runs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--runs", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    results = []
    for name in ("minimal", "small-unet"):
        med, best = train_step_time(name, a.size, a.batch, a.steps)
        results.append({"model": name, "task": "train_step", "batch": a.batch,
                        "seconds_median": med, "seconds_min": best})
    med, best = inference_time("small-unet", a.size, a.runs)
    results.append({"model": "small-unet", "task": "inference", "batch": 1,
                    "seconds_median": med, "seconds_min": best})
    print(json.dumps({"torch_version": torch.__version__, "threads": torch.get_num_threads(),
                      "results": results}))


if __name__ == "__main__":
    main()
