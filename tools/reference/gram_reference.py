#!/usr/bin/env python3
"""Reference GRAM volumes for foley-core's gram package, written once as test data. Needs only numpy
(Debian: python3-numpy); run with /usr/bin/python3.

GRAM's volume (model-facts 1.1, ispamm/GRAM utils/volume.py): L2-normalise each embedding, take the Gram
matrix G = A A^T of the k normalised rows, volume = sqrt(|det G|). Computed here in float64.

Writes into foley-core/src/test/resources/gram/:
  gram_volumes.json       2..5 random (seeded) vectors per case, unnormalised, with their volume
  aligned_{text,video,audio}.npy   row-aligned fixture embeddings (24 x 128): each row of the three shares a
                          latent vector plus a little noise per modality, as GRAM training leaves matched
                          triplets; text and audio as float32, video as float64, so both .npy dtypes are covered
  aligned_triplets.json   the volume of every matched row i, and of text i with video i+1 and audio i+2
"""
import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/gram"


def volume(vectors):
    a = np.asarray(vectors, dtype=np.float64)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    return float(np.sqrt(np.abs(np.linalg.det(a @ a.T))))


def volume_cases(rng):
    cases = []
    for k in range(2, 6):
        for dim in (3, 8, 32):
            if dim < k:
                continue
            for scale in (1.0, 40.0):
                vectors = rng.normal(0, scale, (k, dim)).astype(np.float32)
                cases.append(vectors)
        # nearly parallel vectors: a tiny volume, where cancellation in det would show
        base = rng.normal(0, 1, 64)
        cases.append((base + 0.01 * rng.normal(0, 1, (k, 64))).astype(np.float32))
    # str() of a float32 is its shortest exact form, so Java reads back the very floats the volume used
    return [{"vectors": [[float(str(v)) for v in row] for row in c], "volume": volume(c)} for c in cases]


def aligned_triplets(rng, rows=24, dim=128, noise=0.35):
    latent = rng.normal(0, 1, (rows, dim))
    return [latent + noise * rng.normal(0, 1, (rows, dim)) for _ in range(3)]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20250404)
    (OUT / "gram_volumes.json").write_text(json.dumps({"cases": volume_cases(rng)}))

    text, video, audio = aligned_triplets(rng)
    np.save(OUT / "aligned_text.npy", text.astype("<f4"))
    np.save(OUT / "aligned_video.npy", video.astype("<f8"))
    np.save(OUT / "aligned_audio.npy", audio.astype("<f4"))
    rows = text.shape[0]
    t32, v64, a32 = text.astype(np.float32), video, audio.astype(np.float32)
    matched = [volume([t32[i], v64[i], a32[i]]) for i in range(rows)]
    # text stays the anchor (GRAM's rows); video comes from the next row and audio from the one after
    shuffled = [volume([t32[i], v64[(i + 1) % rows], a32[(i + 2) % rows]]) for i in range(rows)]
    (OUT / "aligned_triplets.json").write_text(json.dumps({"matched_volumes": matched, "shuffled_volumes": shuffled}))
    print("matched mean %.4f, shuffled mean %.4f, rows matched < shuffled: %d/%d" % (
        np.mean(matched), np.mean(shuffled), sum(m < s for m, s in zip(matched, shuffled)), rows))


if __name__ == "__main__":
    main()
