#!/usr/bin/python3
"""Reference values for foley-core's EnvelopeL1Test: E-L1 in its two published forms, in float64 (model-facts §5.6).

    /usr/bin/python3 tools/reference/el1_reference.py

- T-Foley (inference.py::measure_el1_distance): both waveforms peak-normalised, then get_rms (librosa RMS 512/128,
  centred, zero padding, then scipy filtfilt of ellip(4, 0.01, 120, 0.125), method "gust"), then the mean absolute
  difference. At 22.05 kHz.
- Video-Foley (evaluate_v2s.py::get_EL1): RMS 512/128 of each waveform as it is, reflect-padded by 192 each side,
  not centred, no filter, then the mean absolute difference. At 16 kHz.
Two 1 s signals per rate (written as float32 rows of one .npy per form: reference, generated): decaying noise bursts at different times and loudness, so the forms differ.
"""
import json
from pathlib import Path

import numpy as np

from envelope_presets_reference import t_foley

OUT = Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/eval/el1_reference.json"


def bursts(rate, seed, times, gains):
    rng = np.random.default_rng(seed)
    t = np.arange(rate) / rate
    y = np.zeros_like(t)
    for start, gain in zip(times, gains):
        after = t >= start
        y[after] += gain * np.exp(-(t[after] - start) / 0.08) * rng.standard_normal(after.sum())
    return y.astype(np.float32)


def video_foley_rms(y, frame=512, hop=128):
    padded = np.pad(y.astype(np.float64), (frame - hop) // 2, mode="reflect")
    count = 1 + (len(padded) - frame) // hop
    frames = np.stack([padded[i * hop:i * hop + frame] for i in range(count)])
    return np.sqrt(np.mean(frames ** 2, axis=1))


def l1(a, b):
    n = min(len(a), len(b))
    return float(np.mean(np.abs(a[:n] - b[:n])))


def main():
    cases = {}
    for form, rate in (("t-foley", 22050), ("video-foley", 16000)):
        reference = bursts(rate, 1, (0.1, 0.45, 0.8), (0.8, 0.5, 0.9))
        generated = bursts(rate, 2, (0.15, 0.47, 0.9), (0.3, 0.4, 0.2))
        if form == "t-foley":
            value = l1(t_foley(reference / np.abs(reference).max()), t_foley(generated / np.abs(generated).max()))
        else:
            value = l1(video_foley_rms(reference), video_foley_rms(generated))
        np.save(OUT.parent / f"el1_{form}.npy", np.stack([reference, generated]))
        cases[form] = {"rate": rate, "e_l1": value}
    OUT.write_text(json.dumps(cases, indent=1))
    print(f"wrote {OUT}: " + ", ".join(f"{k} {v['e_l1']:.6f}" for k, v in cases.items()))


if __name__ == "__main__":
    main()
