#!/usr/bin/env python3
"""Reference data for foley-core's clean-audio path (TruePeak, TrackAssembler), written once as test data.
Needs numpy (Debian: python3-numpy).

true_peak_<name>.f32: a mono test signal (float32); true_peak.json holds each one's true peak, measured by ideal
band-limited interpolation: the signal, padded with silence, upsampled by zero-filling its spectrum (FFT), so
nothing of the Java interpolator (a windowed sinc) is shared. "true_peak_4x" reads the points BS.1770 reads (four
per sample), "true_peak" 64 per sample (the waveform's peak, which 4x reads up to ~0.5 dB low near Nyquist).

crossfade_windows.f32: the generated windows of one track (interleaved float32, window after window);
crossfade_track.f64: the track they give in float64, each window faded in and out over the overlap with the
equal-power gains sin(pi/2 * (f + 0.5) / overlap) (its fade-out mirrored), summed where they overlap, trimmed to
round(duration * rate) frames. crossfade.json holds the plan.
"""
import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/assembly"
RATE = 16000


def ideal_true_peak(x, factor):
    padded = np.concatenate([np.zeros(4096), x.astype(np.float64), np.zeros(4096)])
    n = len(padded)
    spectrum = np.fft.rfft(padded)
    up = np.fft.irfft(spectrum, n * factor) * factor
    return float(np.max(np.abs(up)))


def true_peak_signals():
    t = np.arange(RATE // 4) / RATE
    rng = np.random.default_rng(9)
    noise = rng.normal(0, 0.3, RATE // 2)
    # a smooth band limit: a 64-tap windowed-sinc low-pass at 0.4 of the sample rate
    k = np.arange(-32, 33)
    lowpass = np.sinc(0.8 * k) * 0.8 * np.kaiser(65, 8)
    return {
        # every sample at 0.9/sqrt(2) while the waveform reaches 0.9 between them
        "quarter_rate_sine": 0.9 * np.sin(2 * np.pi * RATE / 4 * t + np.pi / 4),
        "high_sine": 0.7 * np.sin(2 * np.pi * 6100 * t + 0.3),
        "low_sine": 0.5 * np.sin(2 * np.pi * 440 * t + 1.1),
        "band_limited_noise": np.convolve(noise, lowpass, mode="same"),
        "alternating_step": np.concatenate([np.zeros(50), np.tile([0.8, 0.8, -0.8, -0.8], 30), np.zeros(50)]),
    }


def crossfade():
    window_s, overlap_s, duration_s, channels = 2.0, 0.5, 7.3, 2
    step_s = window_s - overlap_s
    count = int(np.ceil((duration_s - window_s) / step_s - 1e-9)) + 1
    window_frames = round(window_s * RATE)
    overlap = round(overlap_s * RATE)
    total = round(duration_s * RATE)
    rng = np.random.default_rng(11)
    windows = [rng.normal(0, 0.08, (window_frames, channels)).astype(np.float32) for _ in range(count)]
    track = np.zeros((total, channels))
    ramp = np.sin(0.5 * np.pi * (np.arange(overlap) + 0.5) / overlap)
    for i, w in enumerate(windows):
        gain = np.ones(window_frames)
        if i > 0:
            gain[:overlap] *= ramp
        if i < count - 1:
            gain[-overlap:] *= ramp[::-1]
        start = round(i * step_s * RATE)
        end = min(total, start + window_frames)
        track[start:end] += (w.astype(np.float64) * gain[:, None])[:end - start]
    np.concatenate(windows).astype("<f4").tofile(OUT / "crossfade_windows.f32")
    track.astype("<f8").tofile(OUT / "crossfade_track.f64")
    return {"rate": RATE, "channels": channels, "window_s": window_s, "overlap_s": overlap_s,
            "duration_s": duration_s, "windows": count}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    peaks = {}
    for name, x in true_peak_signals().items():
        x = x.astype(np.float32)
        x.astype("<f4").tofile(OUT / f"true_peak_{name}.f32")
        peaks[name] = {"true_peak_4x": ideal_true_peak(x, 4), "true_peak": ideal_true_peak(x, 64),
                       "sample_peak": float(np.max(np.abs(x)))}
    (OUT / "true_peak.json").write_text(json.dumps({"rate": RATE, "signals": peaks}, indent=2) + "\n")
    (OUT / "crossfade.json").write_text(json.dumps(crossfade(), indent=2) + "\n")


if __name__ == "__main__":
    main()
