#!/usr/bin/python3
"""Reference values for foley-core's AudioVisualFrechetTest: FAVD as the public implementation computes it
(model-facts §5.4), in float64.

    /usr/bin/python3 tools/reference/favd_reference.py

Per clip, video and audio feature sequences are cut to the shorter one's length and stacked side by side per time
step; all steps of all clips are pooled; the Fréchet distance (scipy.linalg.sqrtm, with the 1e-6 diagonal fallback
when the product is singular) is taken between the reference pool (real audio + video) and the evaluated pool
(generated audio + the same video). Seeded sequences of unequal lengths, 3-d video and 2-d audio features.
"""
import json
from pathlib import Path

import numpy as np
from scipy import linalg

OUT = Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/eval/favd_reference.json"


def pooled(videos, audios):
    steps = []
    for v, a in zip(videos, audios):
        n = min(len(v), len(a))
        steps.append(np.hstack([v[:n], a[:n]]))
    return np.concatenate(steps)


def frechet(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(s1)) * 1e-6
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def main():
    rng = np.random.default_rng(5)
    clips = 6
    videos = [rng.standard_normal((int(rng.integers(8, 14)), 3)) for _ in range(clips)]
    real = [rng.standard_normal((int(rng.integers(8, 14)), 2)) for _ in range(clips)]
    generated = [0.6 * rng.standard_normal((int(rng.integers(8, 14)), 2)) + 0.4 for _ in range(clips)]
    favd = frechet(pooled(videos, real), pooled(videos, generated))
    OUT.write_text(json.dumps({"video": [v.tolist() for v in videos], "real": [a.tolist() for a in real],
                               "generated": [a.tolist() for a in generated], "favd": favd}))
    print(f"wrote {OUT}: FAVD {favd:.6f}")


if __name__ == "__main__":
    main()
