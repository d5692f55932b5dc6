#!/usr/bin/env python3
"""Reference envelopes for the stable-v2a and t-foley presets (model-facts §2.2), written once as test data for
foley-core's envelope package. Needs numpy and scipy (Debian: python3-numpy python3-scipy).

stable-v2a follows Stable-V2A's module_controlnet.py: window_rms (causal moving RMS over 10000 samples: left zero pad
of 9999, mean of squares, sqrt) then low_pass_filter (box average over 2000 samples, conv1d padding 1000, output of
length L+1 truncated to L). Both are plain float64 convolutions here, so they are exact up to rounding.

t-foley follows T-Foley's utils.py::get_rms: librosa.feature.rms (frame 512, hop 128, center=True, zero padding),
then scipy.signal.filtfilt(b, a, rms, method="gust") with b, a = scipy.signal.ellip(4, 0.01, 120, 0.125).
The printed b and a are the constants EllipticLowPass.java holds.
"""
import json
import pathlib

import numpy as np
import scipy.signal

OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/envelope"


def librosa_rms(y, frame_length, hop_length):
    padded = np.pad(y.astype(np.float64), frame_length // 2, mode="constant")
    count = 1 + (len(padded) - frame_length) // hop_length
    frames = np.stack([padded[i * hop_length:i * hop_length + frame_length] for i in range(count)])
    return np.sqrt(np.mean(frames ** 2, axis=1))


def stable_v2a(y, rms_window=10000, smoothing=2000):
    squares = np.concatenate([np.zeros(rms_window - 1), y.astype(np.float64) ** 2])
    rms = np.sqrt(np.convolve(squares, np.full(rms_window, 1.0 / rms_window), mode="valid"))
    padded = np.concatenate([np.zeros(smoothing // 2), rms, np.zeros(smoothing // 2)])
    smoothed = np.convolve(padded, np.full(smoothing, 1.0 / smoothing), mode="valid")  # length L + 1
    return smoothed[:len(y)]


def t_foley(y, frame_length=512, hop_length=128):
    b, a = scipy.signal.ellip(4, 0.01, 120, 0.125)
    return scipy.signal.filtfilt(b, a, librosa_rms(y, frame_length, hop_length), method="gust")


def signal(n, rate, seed, hits):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    y = 0.01 * rng.standard_normal(n)
    for hit, tone in hits:
        y += (t >= hit) * np.exp(-(t - hit).clip(0) * 30) * np.sin(2 * np.pi * tone * t) * 0.7
        y += (t >= hit) * np.exp(-(t - hit).clip(0) * 300) * rng.standard_normal(n) * 0.4
    return np.clip(y, -1, 1).astype(np.float32)


def main():
    b, a = scipy.signal.ellip(4, 0.01, 120, 0.125)
    print("ellip b =", b.tolist())
    print("ellip a =", a.tolist())
    cases = []
    specs = [
        ("stable-v2a", "loud_then_quiet", 44100, 0, 0, 33333, 11, [(0.05, 440), (0.4, 1250)]),
        ("stable-v2a", "shorter_than_window", 44100, 0, 0, 7000, 12, [(0.02, 220)]),
        ("t-foley", "two_seconds", 22050, 512, 128, 44100, 13, [(0.3, 330), (0.9, 2900), (1.5, 480)]),
        ("t-foley", "odd_length", 22050, 512, 128, 10007, 14, [(0.1, 700)]),
        ("t-foley", "a_few_frames", 22050, 512, 128, 700, 15, [(0.01, 500)]),
    ]
    for preset, name, rate, frame, hop, n, seed, hits in specs:
        y = signal(n, rate, seed, hits)
        expected = stable_v2a(y) if preset == "stable-v2a" else t_foley(y, frame, hop)
        y.astype("<f4").tofile(OUT / f"{preset}_{name}.signal.f32")
        expected.astype("<f8").tofile(OUT / f"{preset}_{name}.expected.f64")
        cases.append({"preset": preset, "name": name, "sample_rate": rate, "frame_length": frame,
                      "hop_length": hop, "samples": n, "frames": len(expected)})
    (OUT / "presets.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
