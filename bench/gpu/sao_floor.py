#!/usr/bin/python3
"""The compute floor of one window on a GPU: a Stable-Audio-Open-sized DiT + 4-block ControlNet with random weights
(preset `sao`, the default), or the foley-mini pack's envelope encoder, DiT and decoder (preset `mini`).

Preset sao: builds FoleyDiT from tools/foleygram (the pack's `dit`: seconds conditioners, ControlNet and DiT in one
module) at SAO's size (width 1536, depth 24, 24 heads of 64, 64 latent channels, 768-wide cross-attention tokens,
4 ControlNet blocks), times one 10 s window (215 latent frames) at 100 steps with classifier-free guidance (every step
one DiT call on a doubled batch, Euler update) for batch 1, 4 and 8 in float16 and bfloat16 in PyTorch, then exports it
to ONNX with the pack contract's tensor names (float32 with its weights in `dit.onnx.data`, and the float16 variant
that tools/export/precision_variants.py would write). The timings come first and are saved before the export starts,
and an export failure is reported, never fatal.

Preset mini: foley-mini's own modules at the pack's sizes (tools/train/train.py `mini_dimensions`, checked against
models/foley-mini/pack.json), random weights, weight norm folded as the exporter folds it. Per window of the pack
(2 s at 16 kHz, 50 latent frames): the projector and the envelope encoder (once per window, batch 1 each, as
foley-core's WindowGenerator runs it), the pack's 10 sampler steps of the DiT on the CFG-doubled batch (Euler
updates: one DiT call per step, as dpmpp-2m), and the decoder, for batch 1, 2, 4, 8 in float32, float16 and bfloat16.

  /usr/bin/python3 bench/gpu/sao_floor.py                  # on a CUDA machine: the full run, a markdown table
  /usr/bin/python3 bench/gpu/sao_floor.py --smoke          # tiny width and depth, 3 steps: the whole path on a CPU
  /usr/bin/python3 bench/gpu/sao_floor.py --preset mini    # foley-mini's shapes (add --smoke for 1 rep on a CPU)

Options: --batches  --dtypes  --steps  --frames  --reps  --attention math,sdpa  --out DIR (ONNX files; default
bench/gpu/target)  --json FILE  --markdown FILE  --no-onnx  --no-fp16-onnx  --ort-check  --exporter
auto|torchscript|dynamo. A dtype the device cannot run is reported as such in the table, not left out.
"""

import argparse
import ast
import contextlib
import importlib.util
import inspect
import json
import math
import os
import pathlib
import statistics
import sys
import time
import traceback

import torch
from torch.nn import functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tools" / "export")]
from foleygram import config  # noqa: E402
from foleygram import dit as dit_module  # noqa: E402

SAO = {"width": 1536, "depth": 24, "heads": 24, "channels": 64, "token_dim": 768, "controlnet_depth": 4}
SMOKE = {"width": 64, "depth": 2, "heads": 1, "channels": 8, "token_dim": 64, "controlnet_depth": 1}
MODALITIES = 3  # GRAM tokens: video, text, audio
SECONDS_MAX = 512.0
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
MINI_PACK = ROOT / "models" / "foley-mini"
TRAIN_PY = ROOT / "tools" / "train" / "train.py"


# ---------------------------------------------------------------------------------------------------------------
# Shared: precision, attention, timing


def autocast(device, dtype):
    """Autocast for half types (as stable-audio-tools runs SAO in half precision); float32 runs without it."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device, dtype=dtype)


MATH_ATTENTION = dit_module.Attention.attend


def _sdpa_attend(self, q, k, v):
    """foleygram.dit.Attention.attend through torch's fused scaled_dot_product_attention (same scale, dim_heads^-0.5,
    its default), in v's type: the rotary's float32 phases would otherwise have promoted q and k; --attention sdpa."""
    return F.scaled_dot_product_attention(q.to(v.dtype), k.to(v.dtype), v)


def set_attention(kind):
    """'math' (the module as written: what the ONNX graph holds) or 'sdpa' (torch 2.x fused attention).
    Returns the kind in effect and a note when sdpa is not available in this torch."""
    if kind == "sdpa":
        if not hasattr(F, "scaled_dot_product_attention"):
            dit_module.Attention.attend = MATH_ATTENTION
            return "math", f"sdpa needs torch >= 2.0 (this is {torch.__version__}); ran math"
        dit_module.Attention.attend = _sdpa_attend
        return "sdpa", None
    dit_module.Attention.attend = MATH_ATTENTION
    return "math", None


def synchronizer(device):
    return torch.cuda.synchronize if device == "cuda" else (lambda: None)


def build_on(device, builder):
    """Builds the module directly on `device` where torch can (torch >= 2.0: torch.device as a context manager,
    much faster random init of 1.2 B parameters on a GPU), else on the CPU and moves it."""
    if device != "cpu" and hasattr(torch.device(device), "__enter__"):
        with torch.device(device):
            return builder()
    return builder().to(device)


def sigmas(steps, sigma_max, sigma_min):
    """The polyexponential schedule (rho 1) from sigma_max to sigma_min, then 0 (foley-core Sigmas.polyexponential)."""
    if steps == 1:
        return [sigma_max, 0.0]
    ramp = [math.exp(math.log(sigma_max) + (math.log(sigma_min) - math.log(sigma_max)) * i / (steps - 1))
            for i in range(steps)]
    return ramp + [0.0]


def sample(dit, x, tokens, start, total, control, scale, schedule, cfg_scale):
    """v-prediction sampling with CFG: each step one DiT call on the doubled batch (conditional rows, then rows with
    zero tokens), Euler update. Returns the final latents."""
    batch = x.shape[0]
    cond = torch.cat([tokens, torch.zeros_like(tokens)])
    start2, total2, control2, scale2 = (torch.cat([v, v]) for v in (start, total, control, scale))
    x = x * schedule[0]
    for sigma, next_sigma in zip(schedule[:-1], schedule[1:]):
        c_in = 1 / math.sqrt(sigma ** 2 + 1)
        t = torch.full((2 * batch,), math.atan(sigma) * 2 / math.pi, dtype=x.dtype, device=x.device)
        v = dit(torch.cat([x, x]) * c_in, t, cond, start2, total2, control2, scale2)
        v_cond, v_uncond = v.chunk(2)
        v = v_uncond + cfg_scale * (v_cond - v_uncond)
        denoised = x / (sigma ** 2 + 1) - v * sigma / math.sqrt(sigma ** 2 + 1)
        x = (x + (x - denoised) / sigma * (next_sigma - sigma)).to(x.dtype)
    return x


def error_text(e):
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0][:160] if lines else ''}"


def environment(device):
    info = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": device, "python": sys.version.split()[0]}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
        info["capability"] = ".".join(map(str, torch.cuda.get_device_capability()))
        info["cudnn"] = torch.backends.cudnn.version()
        info["tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
        info["tf32_cudnn"] = torch.backends.cudnn.allow_tf32
    return info


class Report:
    """The run's JSON and markdown, rewritten after every stage so that a run killed later keeps what it had."""

    def __init__(self, json_path, markdown_path, data):
        self.json_path, self.markdown_path, self.data, self.lines = json_path, markdown_path, data, []

    def save(self):
        for path in (self.json_path, self.markdown_path):
            if path:
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if self.json_path:
            with open(self.json_path, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=2)
                f.write("\n")
        if self.markdown_path:
            with open(self.markdown_path, "w", encoding="utf-8") as f:
                f.write("\n".join(self.lines) + "\n")


def finite_mark(row):
    """A mark on rows whose random-weight output overflowed: the time stands, the numbers were not finite."""
    return "" if row.get("finite", True) else " (non-finite output)"


def relative_to_batch1(rows):
    """windows/s over the same (attention, dtype)'s batch-1 windows/s, on every row that ran."""
    base = {(r.get("attention"), r["dtype"]): r["windows_per_s"] for r in rows if r["batch"] == 1 and "error" not in r}
    for r in rows:
        key = (r.get("attention"), r["dtype"])
        if "error" not in r and key in base:
            r["x_batch1"] = r["windows_per_s"] / base[key]


# ---------------------------------------------------------------------------------------------------------------
# Preset sao


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


@torch.no_grad()
def window(model, size, batch, frames, steps, dtype, device, cfg_scale=7.0):
    """One window for `batch` jobs: `steps` v-prediction DiT calls on the CFG-doubled batch, Euler updates, SAO's
    schedule (500 to 0.03). The weights are already in `dtype`."""
    x, _, tokens, start, total, control, scale = inputs(size, batch, frames, dtype, device)
    with autocast(device, dtype):
        return sample(model, x, tokens, start, total, control, scale, sigmas(steps, 500.0, 0.03), cfg_scale)


def time_window(model, size, batch, frames, steps, dtype, device, reps=1):
    """Seconds for one window of `batch` jobs (median of `reps`, after a 3-step warm-up window), the peak device
    memory (GiB) or None, and whether the latents came out finite."""
    synchronize = synchronizer(device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    window(model, size, batch, frames, min(steps, 3), dtype, device)
    synchronize()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        out = window(model, size, batch, frames, steps, dtype, device)
        synchronize()
        times.append(time.perf_counter() - started)
    finite = bool(torch.isfinite(out.float()).all())  # random weights: reported beside the time, not instead of it
    return (statistics.median(times), torch.cuda.max_memory_allocated() / 2 ** 30 if device == "cuda" else None,
            finite)


def markdown_table(columns, rows, lead, cells):
    """One markdown row per result: the `lead` keys' values (the last marked when its output was not finite), then
    `cells(row)`; a configuration that did not run gets its reason instead."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        first = [str(row[key]) for key in lead]
        if "error" in row:
            rest = [f"not run: {row['error']}"] + [""] * (len(columns) - len(lead) - 1)
        else:
            first[-1] += finite_mark(row)
            rest = cells(row)
        lines.append("| " + " | ".join(first + rest) + " |")
    return lines


def sao_table(rows):
    return markdown_table(
        ["attention", "dtype", "batch", "s per window batch", "ms per step", "windows/s", "x batch 1", "peak GiB"],
        rows, ["attention", "dtype", "batch"],
        lambda row: [f"{row['seconds']:.3f}", f"{1000 * row['seconds'] / row['steps']:.2f}",
                     f"{row['windows_per_s']:.3f}", f"{row.get('x_batch1', float('nan')):.2f}",
                     "" if row["gib"] is None else f"{row['gib']:.1f}"])


# ---- ONNX export (after the timings; every step's failure is reported and the next step still runs if it can)


@contextlib.contextmanager
def onnx_exporter(kind):
    """Runs tools/export/packlib.export_onnx with torch.onnx.export fixed to one exporter. torch >= 2.9 defaults to
    the dynamo exporter; packlib was written for (and its graphs checked with) the TorchScript one, so 'torchscript'
    passes dynamo=False wherever torch.onnx.export has that parameter. Yields a description of what ran."""
    original = torch.onnx.export
    try:
        has_dynamo = "dynamo" in inspect.signature(original).parameters
    except (TypeError, ValueError):
        has_dynamo = False
    if not has_dynamo:
        if kind == "dynamo":
            raise RuntimeError(f"torch {torch.__version__} has no dynamo=True ONNX exporter")
        yield f"torch.onnx.export (TorchScript, torch {torch.__version__} has no dynamo parameter)"
        return

    def export(*args, **kwargs):
        kwargs["dynamo"] = kind == "dynamo"
        return original(*args, **kwargs)

    torch.onnx.export = export
    try:
        yield f"torch.onnx.export(dynamo={kind == 'dynamo'}) in torch {torch.__version__}"
    finally:
        torch.onnx.export = original


def file_sizes(out_dir, prefix="dit"):
    return {name: os.path.getsize(os.path.join(out_dir, name)) for name in sorted(os.listdir(out_dir))
            if name.startswith(prefix)}


def export(model, size, frames, out_dir, report, exporter="auto", fp16=True, ort_check=False,
           external_data_above_bytes=None):
    """dit.onnx (float32, weights in dit.onnx.data past protobuf's 2 GiB), checked by path, and dit.fp16.onnx, with
    the contract's names. Each step lands in report.data['export']['steps'] with its seconds, or its error."""
    section = report.data.setdefault("export", {"dir": out_dir, "steps": []})
    state = {}

    def step(name, action):
        print(f"[export] {name} ...", flush=True)
        started = time.time()
        entry = {"step": name}
        try:
            entry.update(action() or {})
            entry["ok"] = True
        except Exception as e:  # noqa: BLE001 -- reported, never fatal
            traceback.print_exc()
            entry.update(ok=False, error=f"{type(e).__name__}: {str(e)[:1500]}")
        entry["seconds"] = round(time.time() - started, 1)
        section["steps"].append(entry)
        print(f"[export] {name}: {'ok' if entry['ok'] else 'FAILED ' + entry['error'][:400]} "
              f"({entry['seconds']} s) {json.dumps({k: v for k, v in entry.items() if k not in ('step', 'error')})}",
              flush=True)
        report.lines.append(f"- export {name}: " + ("ok" if entry["ok"] else "FAILED: " + entry["error"][:300])
                            + f" ({entry['seconds']} s)")
        report.save()
        return entry["ok"]

    def prepare():
        os.makedirs(out_dir, exist_ok=True)
        for name in ("dit.onnx", "dit.onnx.data", "dit.fp16.onnx", "dit.fp16.onnx.data"):
            if os.path.exists(os.path.join(out_dir, name)):
                os.remove(os.path.join(out_dir, name))
        from packlib import contract_io  # lazily, with onnx: a broken onnx must not cost the timings
        state["specs"] = contract_io(size["channels"], 2, 512, size["token_dim"], 224, 40, 1024, 128)["dit"]
        state["model"] = model.float().cpu().eval()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return {"parameters": sum(p.numel() for p in state["model"].parameters())}

    def export_fp32():
        from packlib import export_onnx
        example = inputs(size, 1, frames, torch.float32, "cpu")
        path = os.path.join(out_dir, "dit.onnx")
        # auto is TorchScript only: packlib's graph from the dynamo exporter fails onnx's checker at opset 17
        # (Split with num_outputs, an opset-18 attribute; seen with torch 2.13 + onnxscript 0.7.2)
        kinds = ["torchscript"] if exporter == "auto" else [exporter]
        failures = []
        for kind in kinds:
            if kind == "dynamo" and importlib.util.find_spec("onnxscript") is None:
                failures.append("dynamo: not tried, the onnxscript package (which it needs) is not installed")
                continue
            try:
                with onnx_exporter(kind) as description:
                    side_file = export_onnx(state["model"], example, *state["specs"], path, "bench/gpu/sao_floor.py",
                                            external_data_above_bytes)
                break
            except Exception as e:  # noqa: BLE001 -- the next exporter, or the step's error
                traceback.print_exc()
                failures.append(f"{kind}: {type(e).__name__}: {str(e)[:600]}")
        else:
            raise RuntimeError(" | ".join(failures))
        sizes = file_sizes(out_dir)
        weights = sum(p.numel() * 4 for p in state["model"].parameters())
        result = {"exporter": description, "external_data": side_file, "files_bytes": sizes,
                  "weights_bytes": weights, "earlier_failures": failures or None}
        limit = 2 ** 31 - 1 if external_data_above_bytes is None else external_data_above_bytes
        if weights > limit and (side_file is None or not os.path.exists(os.path.join(out_dir, side_file))):
            raise RuntimeError(f"weights of {weights / 1e9:.2f} GB but no external data file: {result}")
        if sizes["dit.onnx"] > 2 ** 31 - 1:
            raise RuntimeError(f"dit.onnx itself is {sizes['dit.onnx']} bytes, over protobuf's 2 GiB")
        return result

    def check_fp32():
        import onnx
        onnx.checker.check_model(os.path.join(out_dir, "dit.onnx"))  # by path: handles models over 2 GiB
        return {"check_model": "passed (path form)"}

    def convert_fp16():
        import onnx
        import precision_variants
        from precision import to_float16
        model16 = to_float16(onnx.load(os.path.join(out_dir, "dit.onnx")))
        limit = precision_variants.PROTOBUF_LIMIT_BYTES
        if external_data_above_bytes is not None:  # smoke: the side-file path of save() too
            precision_variants.PROTOBUF_LIMIT_BYTES = external_data_above_bytes
        try:
            side_file = precision_variants.save(model16, out_dir, "dit.fp16.onnx")
        finally:
            precision_variants.PROTOBUF_LIMIT_BYTES = limit
        del model16
        onnx.checker.check_model(os.path.join(out_dir, "dit.fp16.onnx"))
        sizes = file_sizes(out_dir, "dit.fp16")
        return {"external_data": side_file, "files_bytes": sizes, "check_model": "passed (path form)",
                "total_bytes": sum(sizes.values())}

    def run_ort(name):
        def action():
            import numpy as np
            import onnxruntime as ort
            options = ort.SessionOptions()
            session = ort.InferenceSession(os.path.join(out_dir, name), options, providers=["CPUExecutionProvider"])
            example = inputs(size, 1, 16, torch.float32, "cpu")
            feeds = {spec["name"]: tensor.numpy() for spec, tensor in zip(state["specs"][0], example)}
            started = time.time()
            got = session.run(None, feeds)[0]
            run_s = time.time() - started
            with torch.no_grad():
                want = state["model"](*example).numpy()
            return {"onnxruntime": ort.__version__, "frames": 16, "run_s": round(run_s, 2),
                    "max_abs_diff_vs_torch_fp32": float(np.abs(got.astype(np.float32) - want).max()),
                    "torch_output_max_abs": float(np.abs(want).max())}
        return action

    if not step("prepare", prepare):
        return
    if not step("dit.onnx float32 (packlib.export_onnx)", export_fp32):
        return
    step("check_model(dit.onnx) by path", check_fp32)
    fp16_ok = fp16 and step("dit.fp16.onnx (precision.to_float16, check_model by path)", convert_fp16)
    if ort_check:
        step("onnxruntime CPU: dit.onnx at 16 frames vs torch", run_ort("dit.onnx"))
        if fp16_ok:
            step("onnxruntime CPU: dit.fp16.onnx at 16 frames vs torch", run_ort("dit.fp16.onnx"))
    sizes = file_sizes(out_dir)
    section["files_bytes"] = sizes
    report.lines.append("- ONNX files in " + out_dir + ": "
                        + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
    print(report.lines[-1], flush=True)
    report.save()


def run_sao(args, device):
    size = dict(SMOKE if args.smoke else SAO)
    if args.depth is not None:
        size["depth"] = args.depth
    if args.controlnet_depth is not None:
        size["controlnet_depth"] = args.controlnet_depth
    steps = args.steps or (3 if args.smoke else 100)
    frames = args.frames or 215
    batches = [int(b) for b in (args.batches or ("1,2" if args.smoke else "1,4,8")).split(",")]
    dtypes = (args.dtypes or "fp16,bf16").split(",")
    if device == "cpu" and not args.smoke:
        print("no CUDA device: the full size would take hours on a CPU; running anyway (use --smoke to check the path)")

    started = time.time()
    model = build_on(device, lambda: build(size))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"FoleyDiT width {size['width']} depth {size['depth']} heads {size['heads']} channels {size['channels']} "
          f"ControlNet {size['controlnet_depth']} blocks: {parameters / 1e6:.1f} M parameters; {frames} frames, "
          f"{steps} steps with CFG, on {device}" + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else "")
          + f"; built in {time.time() - started:.1f} s", flush=True)

    report = Report(args.json or os.path.join(args.out, "timings.json"), args.markdown,
                    {"preset": "sao", "size": size, "parameters": parameters, "frames": frames, "steps": steps,
                     "environment": environment(device), "rows": []})
    rows = report.data["rows"]
    # the timings cast the weights to fp16 and bf16 in place; the export gets the float32 weights back, so the fp16
    # variant's reported error is the converter's own and not hidden by weights already rounded to bf16
    float32_weights = None if args.no_onnx else {k: v.detach().to("cpu", copy=True) for k, v in
                                                  model.state_dict().items()}
    done = set()
    for requested in args.attention.split(","):
        attention, note = set_attention(requested)
        if note:
            print(note)
            report.data.setdefault("notes", []).append(note)
        if attention in done:
            continue
        done.add(attention)
        for name in dtypes:
            dtype = DTYPES[name]
            typed = model.to(device, dtype)
            for batch in batches:
                try:
                    seconds, memory, finite = time_window(typed, size, batch, frames, steps, dtype, device,
                                                          args.reps or 1)
                    row = {"attention": attention, "dtype": name, "batch": batch, "steps": steps, "seconds": seconds,
                           "windows_per_s": batch / seconds, "gib": memory, "finite": finite}
                except Exception as e:  # noqa: BLE001 -- e.g. float16 matmul on a CPU build of torch, or OOM
                    row = {"attention": attention, "dtype": name, "batch": batch, "error": error_text(e)[:120]}
                    if device == "cuda":
                        torch.cuda.empty_cache()
                rows.append(row)
                print(json.dumps(row), flush=True)
            model = typed.float()
    set_attention("math")
    relative_to_batch1(rows)
    report.lines = [f"SAO-sized FoleyDiT, {parameters / 1e6:.1f} M parameters, {frames} frames, {steps} steps with CFG "
                    f"(doubled batch), on {device}" + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else "")
                    + f", torch {torch.__version__}", ""] + sao_table(rows) + [""]
    print("\n".join(report.lines), flush=True)
    report.save()
    ran = not all("error" in row for row in rows)

    if args.no_onnx:
        report.lines.append("- ONNX export: skipped (--no-onnx)")
        report.save()
    else:
        try:  # each step inside reports its own failure; this catches anything around them
            model.load_state_dict(float32_weights)
            del float32_weights
            export(model, size, frames, args.out, report, args.exporter, not args.no_fp16_onnx, args.ort_check,
                   0 if args.smoke else None)  # smoke: weights always in side files, to check that path on a CPU
        except Exception as e:  # noqa: BLE001 -- the timings are saved already
            traceback.print_exc()
            report.lines.append(f"- ONNX export: FAILED {type(e).__name__}: {str(e)[:300]}")
            report.data["export_error"] = f"{type(e).__name__}: {str(e)[:1500]}"
            report.save()
    print(f"report: {report.json_path}" + (f", {report.markdown_path}" if report.markdown_path else ""))
    if not ran:
        raise SystemExit("no configuration ran")


# ---------------------------------------------------------------------------------------------------------------
# Preset mini


def mini_dimensions():
    """tools/train/train.py's mini_dimensions(), the dims foley-mini was trained and exported with. Read from its
    source (its module-level constants and the two functions), because importing train.py pulls in torchaudio and the
    whole training stack, which a GPU machine need not have."""
    tree = ast.parse(TRAIN_PY.read_text(encoding="utf-8"))
    namespace = {"math": math, "config": config}
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(isinstance(t, (ast.Name, ast.Tuple)) for t in node.targets):
            try:  # constants such as SAMPLE_RATE, WINDOW_SECONDS, MODALITIES; anything needing imports is skipped
                exec(compile(ast.Module(body=[node], type_ignores=[]), str(TRAIN_PY), "exec"), namespace)
            except Exception:  # noqa: BLE001
                pass
        elif isinstance(node, ast.FunctionDef) and node.name in ("mini_sao_config", "mini_dimensions"):
            exec(compile(ast.Module(body=[node], type_ignores=[]), str(TRAIN_PY), "exec"), namespace)
    return namespace["mini_dimensions"](1000)  # the vocabulary only sizes the text tower, which is not timed


def check_against_pack(dims, pack):
    """Mismatches between the dims and models/foley-mini/pack.json (an empty list when they agree)."""
    expected = {
        "sample_rate": (dims["sample_rate"], pack["sample_rate"]),
        "audio_channels": (dims["audio_channels"], pack["audio_channels"]),
        "latent.channels": (dims["latent_dim"], pack["latent"]["channels"]),
        "latent.downsampling": (dims["downsampling"], pack["latent"]["downsampling"]),
        "token_dim": (dims["dit"]["cond_token_dim"], pack["conditioning"]["token_dim"]),
        "gram_dim": (dims["gram"]["contra_dim"], pack["conditioning"]["gram_dim"]),
        "modalities": (list(dims["modalities"]), pack["conditioning"]["modalities"]),
        "controlnet_blocks": (dims["controlnet_depth"], pack.get("export", {}).get("controlnet_blocks")),
    }
    return [f"{key}: dims {mine} vs pack.json {theirs}" for key, (mine, theirs) in expected.items() if mine != theirs]


def strip_weight_norm(module):
    """As tools/export/export_foleygram.py does before export: one plain weight per convolution."""
    from torch.nn.utils import remove_weight_norm
    for child in module.modules():
        if hasattr(child, "weight_g"):
            remove_weight_norm(child)
    return module


def onnx_parameter_counts(pack_dir, names):
    """Elements in each pack ONNX file's initializers (a cross-check of the dims), or None without onnx."""
    try:
        import onnx
    except Exception:  # noqa: BLE001
        return None
    counts = {}
    for name in names:
        path = os.path.join(pack_dir, f"{name}.onnx")
        if os.path.exists(path):
            model = onnx.load(path)
            counts[name] = sum(math.prod(t.dims) for t in model.graph.initializer)
    return counts


def build_mini(dims):
    torch.manual_seed(0)
    return {"projector": config.projector(dims).eval(),
            "envelope_encoder": strip_weight_norm(config.envelope_encoder(dims)).eval(),
            "dit": config.foley_dit(dims).eval(),
            "decoder": strip_weight_norm(config.oobleck_decoder(dims["decoder"])).eval()}


def mini_inputs(dims, batch, frames, samples, dtype, device):
    generator = torch.Generator().manual_seed(batch)
    make = lambda *shape: torch.randn(*shape, generator=generator).to(device, dtype)  # noqa: E731
    latent, modalities = dims["latent_dim"], len(dims["modalities"])
    return {"envelope": make(batch, dims["audio_channels"], samples).abs(),
            "embeddings": make(batch, modalities, dims["gram"]["contra_dim"]),
            "envelope_noise": make(batch, latent, frames), "x": make(batch, latent, frames),
            "start": torch.zeros(batch, dtype=dtype, device=device),
            "total": torch.full((batch,), 2.0, dtype=dtype, device=device),
            "scale": torch.ones(batch, dtype=dtype, device=device)}


@torch.no_grad()
def mini_window(models, given, schedule, cfg_scale, device, dtype, synchronize):
    """One window of the pack for every row of `given`; returns (audio, seconds per stage)."""
    marks = [time.perf_counter()]
    with autocast(device, dtype):
        tokens = models["projector"](given["embeddings"])
        control = []
        for row in range(given["x"].shape[0]):  # once per window, batch 1 each, as WindowGenerator runs it
            mean, scale = models["envelope_encoder"](given["envelope"][row:row + 1]).chunk(2, dim=1)
            control.append(mean + (F.softplus(scale) + 1e-4) * given["envelope_noise"][row:row + 1])
        control = torch.cat(control).to(dtype)
        synchronize()
        marks.append(time.perf_counter())
        latents = sample(models["dit"], given["x"], tokens.to(dtype), given["start"], given["total"], control,
                         given["scale"], schedule, cfg_scale)
        synchronize()
        marks.append(time.perf_counter())
        audio = models["decoder"](latents)
        synchronize()
        marks.append(time.perf_counter())
    return audio, [b - a for a, b in zip(marks[:-1], marks[1:])]


def mini_table(rows):
    return markdown_table(
        ["dtype", "batch", "ms per window batch", "cond ms", "DiT ms", "decoder ms", "windows/s", "x batch 1",
         "real time x", "peak GiB"],
        rows, ["dtype", "batch"],
        lambda row: [f"{1000 * row['seconds']:.1f}", f"{1000 * row['cond_s']:.1f}", f"{1000 * row['dit_s']:.1f}",
                     f"{1000 * row['decoder_s']:.1f}", f"{row['windows_per_s']:.1f}",
                     f"{row.get('x_batch1', float('nan')):.2f}", f"{row['real_time_x']:.0f}",
                     "" if row["gib"] is None else f"{row['gib']:.2f}"])


def run_mini(args, device):
    with open(MINI_PACK / "pack.json", encoding="utf-8") as f:
        pack = json.load(f)
    dims = mini_dimensions()
    mismatches = check_against_pack(dims, pack)
    for line in mismatches:
        print("WARNING dims differ from pack.json:", line)
    sampler = pack["sampler"]
    steps = args.steps or sampler["steps"]
    window_s = pack["window_seconds"]
    samples = int(round(window_s * pack["sample_rate"]))
    frames = args.frames or samples // pack["latent"]["downsampling"]
    samples = frames * pack["latent"]["downsampling"]
    batches = [int(b) for b in (args.batches or ("1,2" if args.smoke else "1,2,4,8")).split(",")]
    dtypes = (args.dtypes or "fp32,fp16,bf16").split(",")
    reps = args.reps or (1 if args.smoke else 21)
    warmups = 1 if args.smoke else 3
    schedule = sigmas(steps, sampler["sigma_max"], sampler["sigma_min"])

    models = build_mini(dims)
    parameters = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
    onnx_counts = onnx_parameter_counts(MINI_PACK, parameters)
    print(f"foley-mini (pack {pack['version']}): {window_s} s windows, {samples} samples, {frames} latent frames, "
          f"{steps} steps with CFG {sampler['cfg_scale']}, on {device}"
          + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else ""))
    print("parameters (torch, weight norm folded): " + json.dumps(parameters)
          + ("" if onnx_counts is None else "; pack ONNX initializer elements: " + json.dumps(onnx_counts)), flush=True)
    report = Report(args.json or os.path.join(args.out, "mini_timings.json"), args.markdown,
                    {"preset": "mini", "pack_version": pack["version"], "dims_mismatches": mismatches,
                     "parameters": parameters, "pack_onnx_initializer_elements": onnx_counts, "frames": frames,
                     "samples": samples, "steps": steps, "reps": reps, "environment": environment(device),
                     "rows": []})
    rows = report.data["rows"]
    synchronize = synchronizer(device)
    if "," in args.attention:
        raise SystemExit("--preset mini times one attention at a time, got " + args.attention)
    attention, note = set_attention(args.attention)
    if note:
        print(note)
    for name in dtypes:
        dtype = DTYPES[name]
        typed = {key: module.to(device, dtype) for key, module in models.items()}
        for batch in batches:
            try:
                given = mini_inputs(dims, batch, frames, samples, dtype, device)
                if device == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                for _ in range(warmups):
                    mini_window(typed, given, schedule, sampler["cfg_scale"], device, dtype, synchronize)
                stages = []
                for _ in range(reps):
                    audio, parts = mini_window(typed, given, schedule, sampler["cfg_scale"], device, dtype,
                                               synchronize)
                    stages.append(parts)
                if tuple(audio.shape) != (batch, dims["audio_channels"], samples):
                    raise RuntimeError(f"decoder gave {tuple(audio.shape)}")
                totals = [sum(parts) for parts in stages]
                # the median rep, whole: its stages add up to its total (an odd rep count makes it the median)
                middle = sorted(range(reps), key=lambda i: totals[i])[reps // 2]
                seconds = totals[middle]
                row = {"attention": attention, "dtype": name, "batch": batch, "seconds": seconds,
                       "cond_s": stages[middle][0], "dit_s": stages[middle][1], "decoder_s": stages[middle][2],
                       "min_s": min(totals), "windows_per_s": batch / seconds,
                       "real_time_x": batch * window_s / seconds,
                       "gib": torch.cuda.max_memory_allocated() / 2 ** 30 if device == "cuda" else None,
                       "finite": bool(torch.isfinite(audio.float()).all())}
            except Exception as e:  # noqa: BLE001 -- e.g. float16 convolutions on a CPU build of torch
                row = {"attention": attention, "dtype": name, "batch": batch, "error": error_text(e)[:120]}
                if device == "cuda":
                    torch.cuda.empty_cache()
            rows.append(row)
            print(json.dumps(row), flush=True)
        models = {key: module.float() for key, module in typed.items()}
    set_attention("math")
    relative_to_batch1(rows)
    report.lines = [f"foley-mini {pack['version']} per window ({window_s} s, {frames} latent frames, {steps} steps "
                    f"with CFG on the doubled batch, Euler; envelope encoder once per window at batch 1; median of "
                    f"{reps}), attention {attention}, on {device}"
                    + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else "")
                    + f", torch {torch.__version__}", ""] + mini_table(rows)
    if mismatches:
        report.lines += ["", "dims differ from pack.json: " + "; ".join(mismatches)]
    print("\n".join(report.lines), flush=True)
    report.save()
    print(f"report: {report.json_path}" + (f", {report.markdown_path}" if report.markdown_path else ""))
    if all("error" in row for row in rows):
        raise SystemExit("no configuration ran")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=("sao", "mini"), default="sao")
    parser.add_argument("--smoke", action="store_true",
                        help="sao: tiny width/depth and 3 steps; mini: batches 1,2 and 1 rep; runs on a CPU")
    parser.add_argument("--batches", default=None, help="comma-separated (sao 1,4,8; mini 1,2,4,8; smoke 1,2)")
    parser.add_argument("--dtypes", default=None, help="sao fp16,bf16; mini fp32,fp16,bf16")
    parser.add_argument("--steps", type=int, default=None, help="sao 100 (smoke 3); mini the pack's sampler steps")
    parser.add_argument("--frames", type=int, default=None,
                        help="latent frames: sao 215 = 10 s at 44.1 kHz / 2048; mini the pack's window")
    parser.add_argument("--depth", type=int, default=None, help="sao: DiT blocks instead of 24 (smoke 2)")
    parser.add_argument("--controlnet-depth", type=int, default=None, help="sao: ControlNet blocks instead of 4")
    parser.add_argument("--reps", type=int, default=None, help="timed windows per row, median (sao 1; mini 21)")
    parser.add_argument("--attention", default="math",
                        help="math (as the module and its ONNX graph compute it) and/or sdpa (torch >= 2.0 fused)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "gpu" / "target"), help="ONNX files (and default JSON)")
    parser.add_argument("--json", default=None, help="timings and export report (default OUT/timings.json)")
    parser.add_argument("--markdown", default=None, help="also write the table and export summary here")
    parser.add_argument("--no-onnx", action="store_true", help="sao: skip the ONNX export")
    parser.add_argument("--no-fp16-onnx", action="store_true", help="sao: skip the float16 conversion")
    parser.add_argument("--ort-check", action="store_true",
                        help="sao: run the exported files once in onnxruntime (CPU) against torch")
    parser.add_argument("--exporter", choices=("auto", "torchscript", "dynamo"), default="auto",
                        help="auto = torchscript: dynamo=False where torch.onnx.export has that parameter")
    args = parser.parse_args(argv)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    (run_mini if args.preset == "mini" else run_sao)(args, device)


if __name__ == "__main__":
    main()
