#!/usr/bin/python3
"""Baseline for bench's FadVsScipy: FAD as fadtk computes it (numpy + scipy.linalg.sqrtm, float64), timed.

usage: fad_scipy.py OUT_DIR REPS [--rows N] [--width D] [--seed S]

Writes OUT_DIR/fad_a.npy and OUT_DIR/fad_b.npy (float64, N x D, default 2048 x 512): two sets of embeddings with
the structure of real ones, a few strong shared directions over independent noise per unit (low rank plus
diagonal), the second set with another mean, other directions and other noise levels. Then times the FAD between
them once untimed as a warm-up and REPS times, and writes OUT_DIR/fad_scipy-blas-THREADS.json (THREADS:
$OPENBLAS_NUM_THREADS, else "default", so the harness's two runs keep both) with the value, every wall and
CPU time (CPU: the process's, all BLAS threads), their median and minimum, and the library versions; prints
"fad <value>", "median_s <s>", "min_s <s>" and "median_cpu_s <s>" lines for the harness. The data depend only on
the seed, so the Java side reads exactly what was measured here.
"""
import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.linalg

RANK = 48


def embeddings(rng, rows, width):
    """Two sets: mean + latent (RANK-d) through a loading matrix + per-unit noise, with different parameters."""
    loading = rng.standard_normal((RANK, width)) / np.sqrt(RANK)
    scales = np.geomspace(3.0, 0.3, RANK)[:, None]  # a decaying spectrum, as embeddings have
    mean = rng.standard_normal(width) * 0.5
    noise = rng.uniform(0.05, 0.4, width)
    a = mean + (rng.standard_normal((rows, RANK)) @ (scales * loading)) + rng.standard_normal((rows, width)) * noise
    moved = loading + 0.3 * rng.standard_normal((RANK, width)) / np.sqrt(RANK)
    b = (mean + 0.2 * rng.standard_normal(width) + (rng.standard_normal((rows, RANK)) @ (1.2 * scales * moved))
         + rng.standard_normal((rows, width)) * noise * rng.uniform(0.7, 1.5, width))
    return a, b


def fadtk_frechet(a, b, eps=1e-6):
    """fadtk's calc_frechet_distance on np.mean and np.cov(rowvar=False) of two float64 sets."""
    mu1, mu2 = np.mean(a, axis=0), np.mean(b, axis=0)
    sigma1, sigma2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    offset_used = False
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
        offset_used = True
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)), offset_used


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("reps", type=int)
    parser.add_argument("--rows", type=int, default=2048)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    a, b = embeddings(np.random.default_rng(args.seed), args.rows, args.width)
    np.save(args.out_dir / "fad_a.npy", a)
    np.save(args.out_dir / "fad_b.npy", b)

    value, offset_used = fadtk_frechet(a, b)
    wall, cpu = [], []
    for _ in range(args.reps):
        started, cpu_started = time.perf_counter(), time.process_time()
        fadtk_frechet(a, b)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    result = {
        "fad": value, "eps_offset_used": offset_used, "rows": args.rows, "width": args.width, "seed": args.seed,
        "reps": args.reps, "wall_s": wall, "cpu_s": cpu,
        "median_s": float(np.median(wall)), "min_s": float(np.min(wall)), "median_cpu_s": float(np.median(cpu)),
        "numpy": np.__version__, "scipy": scipy.__version__,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }
    (args.out_dir / f"fad_scipy-blas-{result['blas_threads']}.json").write_text(json.dumps(result, indent=1) + "\n")
    for name in ("fad", "median_s", "min_s", "median_cpu_s"):
        print(name, repr(result[name]))


if __name__ == "__main__":
    main()
