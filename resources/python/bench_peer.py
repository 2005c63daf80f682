"""PyTorch peer of `unetlab-cli bench`: the same models (unetlab_models.py), the same
shapes and threads, timed the same way (median after two warm-up runs), so the C++
engine's figures can be compared with PyTorch's Python API in one run. Each model is timed
twice: as the chapter's recipe (fp32, contiguous tensors) and with the plan the engine
chose (--precision, --memory-format: e.g. bf16 autocast with channels-last). With
--device cuda the same runs happen on the GPU (synchronised before each clock read; fp16
with a GradScaler, as the engine does).

    python3 bench_peer.py --threads 2 --size 256 --batch 4 --steps 10 --runs 20 \
        --precision bf16 --memory-format channels-last [--device cuda]

On the CPU, small-unet's inference is also timed in int8 (FX post-training quantization with
the oneDNN engine), the engine's int8 plan done with PyTorch's own tools.

It also measures what bounds inference here: the multiply-adds of small-unet's convolutions
(counted with forward hooks) and the machine's matrix-multiply throughput in the tuned
precision (the best of ten 2048x2048 products) — the convolutions cannot run faster than that
throughput, whatever the plan.

Prints one JSON object on the last line.
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unetlab_models import preset  # noqa: E402


DEVICE = "cpu"


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(fn, repeats):
    times = []
    for i in range(repeats + 2):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def autocast(precision):
    if precision in ("bf16", "fp16"):
        return torch.autocast(DEVICE, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)
    return contextlib.nullcontext()


def grad_scaler(precision):
    if precision != "fp16":
        return None
    amp = getattr(torch, "amp", None)
    if amp is not None and hasattr(amp, "GradScaler"):
        return amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()


def prepare(model, x, channels_last):
    model, x = model.to(DEVICE), x.to(DEVICE)
    if channels_last:
        return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return model, x


def train_step_time(name, size, batch, steps, precision, channels_last):
    torch.manual_seed(1)
    model, x = prepare(preset(name).train(), torch.rand(batch, 3, size, size), channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    y = torch.randint(0, 3, (batch, size, size)).to(DEVICE)
    scaler = grad_scaler(precision)

    def step():
        opt.zero_grad()
        with autocast(precision):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

    return timed(step, steps)


def inference_time(name, size, runs, precision, channels_last):
    torch.manual_seed(1)
    model, x = prepare(preset(name).eval(), torch.rand(1, 3, size, size), channels_last)

    def run():
        with torch.inference_mode(), autocast(precision):
            model(x).argmax(1)

    return timed(run, runs)


def int8_inference_time(name, size, runs):
    """The engine's int8 plan in PyTorch: FX post-training quantization with the oneDNN engine
    (int8 weights per channel, uint8 activations), calibrated on four images, LibTorch's own
    quantized bilinear upsampling. None when this PyTorch has no oneDNN quantized engine."""
    if "onednn" not in torch.backends.quantized.supported_engines:
        return None
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    torch.manual_seed(1)
    x = torch.rand(1, 3, size, size).contiguous(memory_format=torch.channels_last)
    model = prepare_fx(preset(name).eval(), get_default_qconfig_mapping("onednn"), (x,))
    with torch.no_grad():
        for _ in range(4):
            model(torch.rand(1, 3, size, size))
    model = convert_fx(model)

    def run():
        with torch.inference_mode():
            model(x).argmax(1)

    return timed(run, runs)


def conv_flops(name, size):
    """Floating-point operations (2 per multiply-add) of the model's convolutions, one image."""
    model = preset(name).eval()
    total = [0]

    def count(module, inputs, output):
        k = module.weight.shape  # out, in / groups, kh, kw
        total[0] += 2 * output.numel() * k[1] * k[2] * k[3]

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.inference_mode():
        model(torch.rand(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


def matmul_flops_per_second(precision, n=2048, repeats=10):
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)
    a = torch.rand(n, n, device=DEVICE).to(dtype)
    b = torch.rand(n, n, device=DEVICE).to(dtype)
    _, best = timed(lambda: a @ b, repeats)
    return 2 * n ** 3 / best


def describe(precision, channels_last):
    """'bf16, channels-last': the plan a row ran with."""
    return f"{precision}, {'channels-last' if channels_last else 'contiguous'}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32",
                   help="the tuned plan's precision (the recipe is always fp32)")
    p.add_argument("--memory-format", choices=["contiguous", "channels-last"], default="channels-last",
                   help="the tuned plan's memory format (the recipe is always contiguous)")
    p.add_argument("--rows", choices=["both", "recipe", "tuned"], default="both",
                   help="which plans to time (unetlab-cli runs the tuned ones in a process with the "
                        "engine's malloc settings)")
    p.add_argument("--minimal-plan", default=None, metavar="PRECISION,FORMAT",
                   help="minimal's tuned plan when it is not small-unet's (the engine chooses one per model), "
                        "e.g. fp32,contiguous")
    p.add_argument("--no-extras", action="store_true",
                   help="time the training steps and fp32/bf16 inference only: no int8, no matmul bound")
    a = p.parse_args()
    global DEVICE
    DEVICE = a.device
    if DEVICE == "cuda":
        torch.backends.cudnn.benchmark = True  # as the engine
    torch.set_num_threads(a.threads)
    plans = [("recipe", "fp32", False), ("tuned", a.precision, a.memory_format == "channels-last")]
    plans = [plan for plan in plans if a.rows in ("both", plan[0])]
    results = []
    minimal = None
    if a.minimal_plan:
        precision, _, fmt = a.minimal_plan.partition(",")
        if precision not in ("fp32", "bf16", "fp16") or fmt not in ("contiguous", "channels-last"):
            p.error("--minimal-plan expects PRECISION,FORMAT, e.g. fp32,contiguous")
        minimal = (precision, fmt == "channels-last")
    for name in ("minimal", "small-unet"):
        for plan, precision, cl in plans:
            if name == "minimal" and plan == "tuned" and minimal:
                precision, cl = minimal
            med, best = train_step_time(name, a.size, a.batch, a.steps, precision, cl)
            results.append({"model": name, "task": "train_step", "plan": plan, "batch": a.batch,
                            "plan_description": describe(precision, cl),
                            "seconds_median": med, "seconds_min": best})
    for plan, precision, cl in plans:
        med, best = inference_time("small-unet", a.size, a.runs, precision, cl)
        results.append({"model": "small-unet", "task": "inference", "plan": plan, "batch": 1,
                        "plan_description": describe(precision, cl),
                        "seconds_median": med, "seconds_min": best})
    if a.rows != "recipe" and DEVICE == "cpu" and not a.no_extras:
        timing = int8_inference_time("small-unet", a.size, a.runs)
        if timing:
            results.append({"model": "small-unet", "task": "inference", "plan": "int8", "batch": 1,
                            "seconds_median": timing[0], "seconds_min": timing[1]})
    bound = None
    if a.rows != "recipe" and not a.no_extras:
        flops = conv_flops("small-unet", a.size)
        peak = matmul_flops_per_second(a.precision)
        bound = {"model": "small-unet", "conv_gflop": flops / 1e9, "precision": a.precision,
                 "matmul_gflops": peak / 1e9, "min_conv_seconds": flops / peak}
    print(json.dumps({"torch_version": torch.__version__, "threads": torch.get_num_threads(), "device": DEVICE,
                      "tuned": {"precision": a.precision, "memory_format": a.memory_format},
                      "results": results, "inference_bound": bound}))


if __name__ == "__main__":
    main()
