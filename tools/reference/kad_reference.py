#!/usr/bin/python3
"""Reference values for foley-core's KernelAudioDistanceTest: KAD as kadtk computes it, in float64 with torch.

    /usr/bin/python3 tools/reference/kad_reference.py

Two seeded embedding sets (a reference of 41 rows and an evaluated set of 30 rows, 8-d, the second shifted and
scaled) and a third drawn from the reference's own distribution. For each pair: the bandwidth (the median of the
reference set's pairwise distances, torch.median: the lower middle value for an even count), and the unbiased MMD
with the Gaussian kernel exp(-d^2 / (2 h^2 + 1e-8)), diagonals left out, times 100.
"""
import json
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/eval/kad_reference.json"


def kad(reference, evaluated, bandwidth):
    gamma = 1 / (2 * bandwidth ** 2 + 1e-8)
    k_rr = torch.exp(-gamma * torch.cdist(reference, reference) ** 2)
    k_ee = torch.exp(-gamma * torch.cdist(evaluated, evaluated) ** 2)
    k_re = torch.exp(-gamma * torch.cdist(reference, evaluated) ** 2)
    m, n = len(reference), len(evaluated)
    within_r = (k_rr.sum() - k_rr.diagonal().sum()) / (m * (m - 1))
    within_e = (k_ee.sum() - k_ee.diagonal().sum()) / (n * (n - 1))
    return float(100 * (within_r + within_e - 2 * k_re.mean()))


def main():
    g = torch.Generator().manual_seed(11)
    reference = torch.randn(41, 8, generator=g, dtype=torch.float64)
    shifted = 1.5 * torch.randn(30, 8, generator=g, dtype=torch.float64) + 0.7
    alike = torch.randn(30, 8, generator=g, dtype=torch.float64)
    bandwidth = float(torch.median(torch.pdist(reference)))
    cases = {name: {"evaluated": e.tolist(), "kad": kad(reference, e, bandwidth)}
             for name, e in (("shifted", shifted), ("alike", alike))}
    OUT.write_text(json.dumps({"reference": reference.tolist(), "bandwidth": bandwidth, "cases": cases}, indent=1))
    print(f"wrote {OUT}: bandwidth {bandwidth:.6f}, " + ", ".join(f"{k} {v['kad']:.6f}" for k, v in cases.items()))


if __name__ == "__main__":
    main()
