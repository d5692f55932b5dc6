#!/usr/bin/env python3
"""Reference envelopes for the stable-v2a and t-foley presets (model-facts §2.2), written once as test data for
foley-core's envelope package. Needs numpy and scipy (Debian: python3-numpy python3-scipy).

stable-v2a follows Stable-V2A's module_controlnet.py: window_rms (causal moving RMS over 10000 samples: left zero pad
of 9999, mean of squares, sqrt) then low_pass_filter (box average over 2000 samples, conv1d padding 1000, output of
length L+1 truncated to L). Both are plain float64 convolutions here, so they are exact up to rounding.

t-foley follows T-Foley's utils.py::get_rms: librosa.feature.rms (frame 512, hop 128, center=True, zero padding),
then scipy.signal.filtfilt(b, a, rms, method="gust") with b, a = scipy.signal.ellip(4, 0.01, 120, 0.125).
The printed b and a are the constants EllipticLowPass.java holds.

Channel layouts: envelope/layouts/ holds mono, stereo and 5.1 AAC clips made by foley-core's own encoder
(ChannelLayoutFixtures.java) with the audio their decode gives (<clip>.decoded.f32, interleaved float32 at 16 kHz on
the video's clock). Each preset's reference turns those very samples into what it measures, in float64:
librosa-rms and t-foley the arithmetic mean of all channels (librosa.to_mono), stable-v2a the layout of its model
(stable-audio-tools' force_channels: Mono() = the mean for a 1-channel model, Stereo() = the first two channels, mono
duplicated, for a 2-channel one), each channel measured on its own and sampled at every hop.
"""
import json
import pathlib

import numpy as np
import scipy.signal

OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/envelope"
LAYOUTS = OUT / "layouts"
LAYOUT_RATE = 16000
LAYOUT_CLIPS = {"aac_1ch": 1, "aac_2ch": 2, "aac_6ch": 6}
# (case, preset, frame, hop, model channels)
LAYOUT_CASES = [
    ("librosa-rms", "librosa-rms", 2048, 512, 2),
    ("t-foley", "t-foley", 512, 128, 2),
    ("stable-v2a_stereo", "stable-v2a", 2000, 64, 2),
    ("stable-v2a_mono", "stable-v2a", 2000, 64, 1),
]


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


def to_mono(channels):
    """librosa.to_mono: the mean over the channel axis."""
    return np.mean(channels, axis=0)


def stereo(channels):
    """stable-audio-tools' Stereo(): mono duplicated, more than two channels cut to the first two."""
    return np.repeat(channels, 2, axis=0) if channels.shape[0] == 1 else channels[:2]


def layout_reference(channels, preset, frame, hop, model_channels):
    """Each measured channel's envelope, channel-major."""
    if preset == "librosa-rms":
        return [librosa_rms(to_mono(channels), frame, hop)]
    if preset == "t-foley":
        return [t_foley(to_mono(channels), frame, hop)]
    measured = stereo(channels) if model_channels == 2 else to_mono(channels)[None, :]
    return [stable_v2a(y, rms_window=frame)[::hop] for y in measured]


def write_layouts():
    cases = []
    for clip, count in LAYOUT_CLIPS.items():
        interleaved = np.fromfile(LAYOUTS / f"{clip}.decoded.f32", dtype="<f4").astype(np.float64)
        channels = interleaved.reshape(-1, count).T
        for case, preset, frame, hop, model_channels in LAYOUT_CASES:
            expected = np.stack(layout_reference(channels, preset, frame, hop, model_channels))
            expected.astype("<f8").tofile(LAYOUTS / f"{clip}_{case}.expected.f64")
            cases.append({"clip": clip, "source_channels": count, "case": case, "preset": preset,
                          "sample_rate": LAYOUT_RATE, "frame_length": frame, "hop_length": hop,
                          "model_channels": model_channels, "envelope_channels": expected.shape[0],
                          "values": expected.shape[1]})
    (LAYOUTS / "layouts.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print("wrote", len(cases), "layout cases to", LAYOUTS)


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
    write_layouts()


if __name__ == "__main__":
    main()
