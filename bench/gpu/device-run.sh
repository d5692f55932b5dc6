#!/usr/bin/env bash
# One run of bench/gpu on the GPU machine, from the repository root:
#
#   bash bench/gpu/device-run.sh            # the H200 run: 255 s on 2026-11-30, each step time-limited
#   bash bench/gpu/device-run.sh --smoke    # the same steps, tiny, on a CPU (2 threads), in about 2 minutes
#
# Steps, in this order, each with its own time limit; a step that fails or runs out of time is reported in the log
# and the next one still runs:
#   1. environment: nvidia-smi, python / torch / CUDA / cuDNN / onnx / onnxruntime versions, memory and disk
#   2. preset mini: foley-mini's projector + envelope encoder, 10 CFG steps of the DiT and the decoder per window,
#      batch 1, 2, 4, 8 in fp32, fp16, bf16                                       -> $OUT/mini.json, $OUT/mini.md
#   3. preset sao: timings first (batch 1, 4, 8; fp16, bf16; attention math, then torch's fused sdpa), saved at once;
#      then the ONNX export (float32 with dit.onnx.data, check_model by path), the float16 conversion, and one
#      onnxruntime (CPU) run of each file against torch              -> $OUT/sao_floor.json, $OUT/sao_floor.md
#      The ONNX files (about 4.8 GB + 2.4 GB) go to $SAO_ONNX_DIR (default /tmp/sao), never under $OUT; the report
#      gives their sizes and whether check_model passed.
#   4. a listing of $OUT and $SAO_ONNX_DIR
# Everything printed is also in $OUT/device.log. $OUT defaults to bench/gpu/target/device-out.
# Environment: OUT, PYTHON (default python3), SAO_ONNX_DIR, MINI_LIMIT_S (100), SAO_LIMIT_S (300).
# Worst case, every limit reached: about 8.5 minutes (100 + 300 s, 15 s grace each, the environment step's own
# commands up to 140 s): keep the device call's limit above that.

set -u -o pipefail

SMOKE=0
for arg in "$@"; do
    case "$arg" in
        --smoke) SMOKE=1 ;;
        *) echo "usage: bash bench/gpu/device-run.sh [--smoke]" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/../.." || exit 2
export PYTHONUNBUFFERED=1
OUT=${OUT:-$PWD/bench/gpu/target/device-out}
mkdir -p "$OUT" || exit 2
PY=${PYTHON:-python3}
if [ "$SMOKE" = 1 ]; then
    export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
    SAO_ONNX_DIR=${SAO_ONNX_DIR:-/tmp/sao-smoke}
    if ! "$PY" -c "import torch" 2>/dev/null && [ -x /usr/bin/python3 ]; then
        PY=/usr/bin/python3  # the build machine's Debian torch
    fi
else
    SAO_ONNX_DIR=${SAO_ONNX_DIR:-/tmp/sao}
fi
if [ "$SMOKE" = 1 ]; then  # two shared CPU cores: slower than the GPU run, and nothing to save there
    MINI_LIMIT_S=${MINI_LIMIT_S:-300}
    SAO_LIMIT_S=${SAO_LIMIT_S:-300}
else
    MINI_LIMIT_S=${MINI_LIMIT_S:-100}
    SAO_LIMIT_S=${SAO_LIMIT_S:-300}
fi
FLOOR=bench/gpu/sao_floor.py

step() {  # step NAME LIMIT_S COMMAND...: runs COMMAND under a time limit and reports its exit status and seconds
    local name=$1 limit=$2 started=$SECONDS rc
    shift 2
    echo
    echo "=== $name (limit ${limit} s) started $(date -u +%H:%M:%S)"
    if [ "$(type -t "$1")" = function ]; then
        "$@"  # a function of this script: its commands carry their own limits
    else
        timeout -k 15 "$limit" "$@"
    fi
    rc=$?
    local note=""
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && note=" (timed out)"
    echo "=== $name: exit $rc$note after $((SECONDS - started)) s"
}

environment() {
    echo "repo $(git rev-parse --short HEAD 2>/dev/null) (working tree may differ), $(date -u)"
    if command -v nvidia-smi >/dev/null; then
        timeout 20 nvidia-smi
        timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit,mig.mode.current \
            --format=csv
    else
        echo "no nvidia-smi on this machine"
    fi
    timeout 60 "$PY" - <<'PYTHON'
import importlib, platform, sys
import torch
print("python", sys.version.split()[0], platform.platform())
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(),
      "threads", torch.get_num_threads())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(), "capability", torch.cuda.get_device_capability(),
          "cudnn", torch.backends.cudnn.version(), "tf32 matmul", torch.backends.cuda.matmul.allow_tf32,
          "tf32 cudnn", torch.backends.cudnn.allow_tf32)
for name in ("numpy", "onnx", "onnxruntime", "onnxscript"):
    try:
        module = importlib.import_module(name)
        extra = f" providers {module.get_available_providers()}" if name == "onnxruntime" else ""
        print(name, module.__version__ + extra)
    except Exception as e:
        print(name, "not available:", type(e).__name__, e)
PYTHON
    echo "cpus $(nproc)"
    free -g 2>/dev/null
    df -h /tmp "$OUT" 2>/dev/null
}

main() {
    local began=$SECONDS
    echo "bench/gpu/device-run.sh $([ "$SMOKE" = 1 ] && echo --smoke) OUT=$OUT PYTHON=$PY SAO_ONNX_DIR=$SAO_ONNX_DIR"
    step "environment" 140 environment

    local smoke=()
    [ "$SMOKE" = 1 ] && smoke=(--smoke)
    step "preset mini" "$MINI_LIMIT_S" "$PY" "$FLOOR" --preset mini ${smoke[@]+"${smoke[@]}"} \
        --json "$OUT/mini.json" --markdown "$OUT/mini.md"

    rm -f "$SAO_ONNX_DIR"/dit*.onnx "$SAO_ONNX_DIR"/dit*.onnx.data  # a rerun's old files only
    if [ "$SMOKE" = 1 ]; then
        step "preset sao (smoke)" "$SAO_LIMIT_S" "$PY" "$FLOOR" --smoke --attention math,sdpa --out "$SAO_ONNX_DIR" \
            --json "$OUT/sao_floor.json" --markdown "$OUT/sao_floor.md" --ort-check
    else
        step "preset sao" "$SAO_LIMIT_S" "$PY" "$FLOOR" --batches 1,4,8 --dtypes fp16,bf16 --attention math,sdpa \
            --out "$SAO_ONNX_DIR" --json "$OUT/sao_floor.json" --markdown "$OUT/sao_floor.md" --ort-check
    fi

    echo
    echo "=== files"
    ls -la "$SAO_ONNX_DIR" 2>&1
    ls -la "$OUT" 2>&1
    echo "=== device-run.sh done in $((SECONDS - began)) s"
}

main 2>&1 | tee "$OUT/device.log"
