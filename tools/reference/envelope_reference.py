#!/usr/bin/env python3
"""Reference RMS envelopes with librosa.feature.rms semantics (center=True, zero padding, sqrt(mean(frame^2))),
written once as test data for foley-core's envelope package. Needs only numpy (Debian: python3-numpy)."""
import json
import pathlib

import numpy as np


def librosa_rms(y, frame_length, hop_length):
    padded = np.pad(y.astype(np.float64), frame_length // 2, mode="constant")
    count = 1 + (len(padded) - frame_length) // hop_length
    frames = np.stack([padded[i * hop_length:i * hop_length + frame_length] for i in range(count)])
    return np.sqrt(np.mean(frames ** 2, axis=1))


def signal(n, rate, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    y = 0.01 * rng.standard_normal(n)
    for hit in (0.21, 0.5, 0.77):
        onset = t >= hit
        y += onset * np.exp(-(t - hit).clip(0) * 40) * np.sin(2 * np.pi * 440 * t) * 0.8
    return y.astype(np.float32)


def main():
    out = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/envelope/librosa_rms.json"
    cases = []
    for n, frame, hop, seed in [(22050, 2048, 512, 1), (12345, 2048, 512, 2), (8000, 512, 128, 3), (1000, 2048, 512, 4)]:
        y = signal(n, 44100, seed)
        cases.append({"frame_length": frame, "hop_length": hop, "samples": y.tolist(),
                      "rms": librosa_rms(y, frame, hop).tolist()})
    out.write_text(json.dumps({"cases": cases}))
    print("wrote", out)


if __name__ == "__main__":
    main()
