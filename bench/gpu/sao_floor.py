#!/usr/bin/python3
"""The compute floor of one window on a GPU: a Stable-Audio-Open-sized DiT + 4-block ControlNet with random weights.

Builds FoleyDiT from tools/foleygram (the pack's `dit`: seconds conditioners, ControlNet and DiT in one module) at SAO's
size (width 1536, depth 24, 24 heads of 64, 64 latent channels, 768-wide cross-attention tokens, 4 ControlNet blocks),
exports it to ONNX with the pack contract's tensor names (float32, and the float16 variant that
tools/export/precision_variants.py would write), and times one 10 s window (215 latent frames) at 100 steps with
classifier-free guidance (every step one DiT call on a doubled batch, Euler update) for batch 1, 4 and 8 in float16 and
bfloat16 in PyTorch. That is the floor the Java generator adds its overhead to: README.md beside this file.

  /usr/bin/python3 bench/gpu/sao_floor.py                  # on a CUDA machine: the full run, a markdown table
  /usr/bin/python3 bench/gpu/sao_floor.py --smoke          # tiny width and depth, 3 steps: the whole path on a CPU

Options: --batches 1,4,8  --dtypes fp16,bf16  --steps 100  --frames 215  --out DIR (ONNX files; default
bench/gpu/target)  --no-onnx. A dtype the device cannot run is reported as such in the table, not left out.
"""

import argparse
import json
import math
import os
import pathlib
import sys
import time

import onnx
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tools" / "export")]
from foleygram import config  # noqa: E402
from packlib import contract_io, export_onnx  # noqa: E402
from precision import to_float16  # noqa: E402
from precision_variants import save  # noqa: E402

SAO = {"width": 1536, "depth": 24, "heads": 24, "channels": 64, "token_dim": 768, "controlnet_depth": 4}
SMOKE = {"width": 64, "depth": 2, "heads": 1, "channels": 8, "token_dim": 64, "controlnet_depth": 1}
MODALITIES = 3  # GRAM tokens: video, text, audio
SECONDS_MAX = 512.0
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}


def build(size):
    """FoleyDiT at `size` with random weights (SAO's own dims: global conditioning = the two 768-wide seconds)."""
    cond_dim = size["token_dim"]
    dims = {
        "dit": {"io_channels": size["channels"], "embed_dim": size["width"], "depth": size["depth"],
                "num_heads": size["heads"], "cond_token_dim": size["token_dim"], "global_cond_dim": 2 * cond_dim,
                "project_cond_tokens": False},
        "controlnet_depth": size["controlnet_depth"], "cond_dim": cond_dim, "seconds_tokens": False,
        "seconds": {"seconds_start": (0, SECONDS_MAX), "seconds_total": (0, SECONDS_MAX)},
    }
    torch.manual_seed(0)
    return config.foley_dit(dims).eval()


def inputs(size, batch, frames, dtype, device):
    generator = torch.Generator().manual_seed(batch)
    make = lambda *shape: torch.randn(*shape, generator=generator).to(device, dtype)  # noqa: E731
    return (make(batch, size["channels"], frames), torch.full((batch,), 0.5, dtype=dtype, device=device),
            make(batch, MODALITIES, size["token_dim"]), torch.zeros(batch, dtype=dtype, device=device),
            torch.full((batch,), 10.0, dtype=dtype, device=device), make(batch, size["channels"], frames),
            torch.ones(batch, dtype=dtype, device=device))


def export(model, size, frames, out_dir):
    """dit.onnx (float32, weights in a side file past 2 GiB) and dit.fp16.onnx, with the contract's names."""
    os.makedirs(out_dir, exist_ok=True)
    specs = contract_io(size["channels"], 2, 512, size["token_dim"], 224, 40, 1024, 128)["dit"]
    example = inputs(size, 1, frames, torch.float32, "cpu")
    started = time.time()
    export_onnx(model.float().cpu(), example, *specs, os.path.join(out_dir, "dit.onnx"), "bench/gpu/sao_floor.py")
    half_side_file = save(to_float16(onnx.load(os.path.join(out_dir, "dit.onnx"))), out_dir, "dit.fp16.onnx")
    onnx.checker.check_model(os.path.join(out_dir, "dit.fp16.onnx"))
    sizes = {name: os.path.getsize(os.path.join(out_dir, name)) for name in os.listdir(out_dir)}
    print(f"ONNX in {out_dir} ({time.time() - started:.0f} s): "
          + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items()))
          + ("" if half_side_file is None else f"; float16 weights in {half_side_file}"))


def sigmas(steps):
    """SAO's polyexponential schedule (rho 1) from 500 to 0.03, then 0."""
    sigma_max, sigma_min = 500.0, 0.03
    ramp = [math.exp(math.log(sigma_max) + (math.log(sigma_min) - math.log(sigma_max)) * i / (steps - 1))
            for i in range(steps)]
    return ramp + [0.0]


@torch.no_grad()
def window(model, size, batch, frames, steps, dtype, device, cfg_scale=7.0):
    """One window for `batch` jobs: `steps` v-prediction DiT calls on the CFG-doubled batch, Euler updates.

    The weights are already in `dtype`; autocast keeps the float32 rotary phases from promoting the attention
    matmuls back to float32 (as stable-audio-tools runs SAO in half precision)."""
    with torch.autocast(device_type=device, dtype=dtype):
        return _window(model, size, batch, frames, steps, dtype, device, cfg_scale)


def _window(model, size, batch, frames, steps, dtype, device, cfg_scale):
    x, _, tokens, start, total, control, scale = inputs(size, batch, frames, dtype, device)
    x = x * 500.0
    cond = torch.cat([tokens, torch.zeros_like(tokens)])
    start2, total2, control2, scale2 = (torch.cat([v, v]) for v in (start, total, control, scale))
    schedule = sigmas(steps)
    for sigma, next_sigma in zip(schedule[:-1], schedule[1:]):
        c_in = 1 / math.sqrt(sigma ** 2 + 1)
        t = torch.full((2 * batch,), math.atan(sigma) * 2 / math.pi, dtype=dtype, device=device)
        v = model(torch.cat([x, x]) * c_in, t, cond, start2, total2, control2, scale2)
        v_cond, v_uncond = v.chunk(2)
        v = v_uncond + cfg_scale * (v_cond - v_uncond)
        denoised = x / (sigma ** 2 + 1) - v * sigma / math.sqrt(sigma ** 2 + 1)
        x = x + (x - denoised) / sigma * (next_sigma - sigma)
    return x


def time_window(model, size, batch, frames, steps, dtype, device):
    """Seconds for one window of `batch` jobs after a warm-up window, and the peak device memory (GiB) or None."""
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    window(model, size, batch, frames, min(steps, 3), dtype, device)
    synchronize()
    started = time.perf_counter()
    out = window(model, size, batch, frames, steps, dtype, device)
    synchronize()
    seconds = time.perf_counter() - started
    if not torch.isfinite(out.float()).all():
        raise RuntimeError("non-finite latents")
    return seconds, torch.cuda.max_memory_allocated() / 2 ** 30 if device == "cuda" else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny width/depth and 3 steps, runs on a CPU")
    parser.add_argument("--batches", default=None, help="comma-separated (default 1,4,8; smoke 1,2)")
    parser.add_argument("--dtypes", default="fp16,bf16")
    parser.add_argument("--steps", type=int, default=None, help="default 100; smoke 3")
    parser.add_argument("--frames", type=int, default=215, help="latent frames: 215 = 10 s at 44.1 kHz / 2048")
    parser.add_argument("--out", default=str(ROOT / "bench" / "gpu" / "target"))
    parser.add_argument("--no-onnx", action="store_true", help="skip the ONNX export")
    args = parser.parse_args(argv)
    size = SMOKE if args.smoke else SAO
    steps = args.steps or (3 if args.smoke else 100)
    batches = [int(b) for b in (args.batches or ("1,2" if args.smoke else "1,4,8")).split(",")]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.smoke:
        print("no CUDA device: the full size would take hours on a CPU; running anyway (use --smoke to check the path)")

    model = build(size)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"FoleyDiT width {size['width']} depth {size['depth']} heads {size['heads']} channels {size['channels']} "
          f"ControlNet {size['controlnet_depth']} blocks: {parameters / 1e6:.1f} M parameters; {args.frames} frames, "
          f"{steps} steps with CFG, on {device}"
          + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else ""))
    if not args.no_onnx:
        export(model, size, args.frames, args.out)

    rows = []
    for name in args.dtypes.split(","):
        dtype = DTYPES[name]
        typed = model.to(device, dtype)
        for batch in batches:
            try:
                seconds, memory = time_window(typed, size, batch, args.frames, steps, dtype, device)
                rows.append({"dtype": name, "batch": batch, "seconds": seconds, "windows_per_s": batch / seconds,
                             "gib": memory})
            except RuntimeError as e:  # e.g. float16 matmul on a CPU build of torch
                rows.append({"dtype": name, "batch": batch, "error": str(e).splitlines()[0][:100]})
        model = typed.float()
    print("| dtype | batch | s per window batch | windows/s | peak GiB |\n|---|---|---|---|---|")
    for row in rows:
        if "error" in row:
            print(f"| {row['dtype']} | {row['batch']} | not run: {row['error']} | | |")
        else:
            memory = "" if row["gib"] is None else f"{row['gib']:.1f}"
            print(f"| {row['dtype']} | {row['batch']} | {row['seconds']:.3f} | {row['windows_per_s']:.3f} | {memory} |")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "timings.json"), "w", encoding="utf-8") as f:
        json.dump({"size": size, "frames": args.frames, "steps": steps, "device": device, "rows": rows}, f, indent=2)
    if all("error" in row for row in rows):
        raise SystemExit("no configuration ran")


if __name__ == "__main__":
    main()
