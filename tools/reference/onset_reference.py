#!/usr/bin/env python3
"""Reference onset metrics and spectral flatness for foley-core's eval package, written once as test data.

librosa is not installed here, so this re-derives, in float64 numpy, what librosa 0.11.0 computes with its defaults
(the same defaults as 0.10.x: constant zero padding for centred frames, Slaney mel scale and norm):

  onset_strength   |STFT|^2 (n_fft 2048, hop 512, periodic Hann, centred with n_fft/2 zeros each side) -> 128 Slaney
                   mel bands from 0 Hz to sr/2 -> power_to_db (ref 1, amin 1e-10, top_db 80 below the spectrogram's
                   maximum) -> half-wave rectified first difference in time (lag 1, max_size 1) -> mean over bands ->
                   n_fft // (2 hop) + lag = 3 leading zeros, trimmed to the frame count.
  onset_detect     envelope - min, / (max + tiny) -> util.peak_pick with pre_max = 0.03 sr // hop,
                   post_max = 0.00 sr // hop + 1, pre_avg = 0.10 sr // hop, post_avg = 0.10 sr // hop + 1,
                   wait = 0.03 sr // hop (each rounded up), delta cast to float32 as librosa's numba kernel does;
                   no backtracking; frames -> samples by * hop.
  spectral_flatness  power spectrum (same STFT), floored at amin 1e-10, geometric over arithmetic mean per frame.

The mel filterbank is checked against torchaudio.functional.melscale_fbanks(norm='slaney', mel_scale='slaney').

The evaluation protocol follows SyncFusion's script/evaluate_onset.py (CondFoleyGen's protocol, model-facts §5.5)
step for step, quirks included, so that numbers compare with the published ones:
  - confidence of a generated onset o = max of min-max normalised |wav| over samples [o - 1102, o + 1102);
  - NMS over the generated onsets, strongest first, dropping others closer than 0.05 s; it removes from the list
    it is iterating, as the script does, so of two adjacent neighbours of a kept onset the second survives;
  - each target onset, in order, takes the unused generated onset closer than 0.1 s whose normalised |wav| at the
    onset sample is largest (the last one on ties), scored with that onset's confidence; a target onset with none
    scores 0 (the script stops once every generated onset is used; with no negatives left, the skipped misses
    would not change the AP, so this loop runs on);
  - leftover generated onsets are negatives scored with their confidence;
  - accuracy = hits / target onsets, AP = sklearn.metrics.average_precision_score (step-wise, no interpolation);
  - a pair where either side has no onsets scores 0 on both.

Needs Debian's python3-numpy, python3-scipy and python3-torchaudio; run with /usr/bin/python3.
Writes into foley-core/src/test/resources/eval/: the fixture signals as 16-bit PCM WAV at 22050 Hz and
onset_reference.json with the strength envelopes, onset frames, flatness per frame, and the protocol's results.
"""
import json
import pathlib

import numpy as np
import scipy.io.wavfile
import torch
import torchaudio

SR = 22050
N_FFT = 2048
HOP = 512
N_MELS = 128
OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/eval"


# ---------------------------------------------------------------- spectra

def power_spectrogram(y):
    """|STFT|^2, frames x (n_fft/2 + 1), centred frames with zero padding, periodic Hann window."""
    padded = np.pad(y.astype(np.float64), N_FFT // 2, mode="constant")
    frames = 1 + (len(padded) - N_FFT) // HOP
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    stack = np.stack([padded[i * HOP:i * HOP + N_FFT] * window for i in range(frames)])
    return np.abs(np.fft.rfft(stack, axis=1)) ** 2


def hz_to_mel(f):
    """Slaney's mel scale: linear below 1 kHz (3 mel per 200/3 Hz), logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    linear = f / (200.0 / 3)
    logstep = np.log(6.4) / 27.0
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-300) / 1000.0) / logstep, linear)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    logstep = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), m * (200.0 / 3))


def mel_filterbank(fmin=0.0, fmax=SR / 2):
    """Triangles between n_mels + 2 mel-spaced edges, each scaled by 2 / (its width in Hz): librosa.filters.mel."""
    fft_freqs = np.arange(N_FFT // 2 + 1) * SR / N_FFT
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), N_MELS + 2))
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for m in range(N_MELS):
        rising = (fft_freqs - edges[m]) / (edges[m + 1] - edges[m])
        falling = (edges[m + 2] - fft_freqs) / (edges[m + 2] - edges[m + 1])
        weights[m] = np.maximum(0, np.minimum(rising, falling)) * 2.0 / (edges[m + 2] - edges[m])
    return weights


def check_filterbank_against_torchaudio(weights):
    theirs = torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, SR / 2, N_MELS, SR,
                                                   norm="slaney", mel_scale="slaney").double().numpy().T
    difference = np.max(np.abs(theirs - weights)) / np.max(np.abs(weights))
    assert difference < 1e-5, f"mel filterbank differs from torchaudio's by {difference:.2e} (relative)"
    return float(difference)


MEL = mel_filterbank()


def onset_strength(y):
    mel_db = 10 * np.log10(np.maximum(1e-10, power_spectrogram(y) @ MEL.T))  # frames x bands, ref = 1
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    rises = np.maximum(0.0, mel_db[1:] - mel_db[:-1]).mean(axis=1)
    lead = 1 + N_FFT // (2 * HOP)
    return np.concatenate([np.zeros(lead), rises])[:len(mel_db)]


def peak_pick(x, pre_max, post_max, pre_avg, post_avg, delta, wait):
    """librosa.util.peak_pick: a local maximum over [n - pre_max, n + post_max) at least delta above the mean over
    [n - pre_avg, n + post_avg); after a peak the next `wait` frames are skipped."""
    peaks = []
    n = 0
    while n < len(x):
        window_max = x[max(0, n - pre_max):min(n + post_max, len(x))].max()
        window_mean = x[max(0, n - pre_avg):min(n + post_avg, len(x))].mean()
        if x[n] == window_max and x[n] >= window_mean + delta:
            peaks.append(n)
            n += wait + 1
        else:
            n += 1
    return np.array(peaks, dtype=int)


def onset_detect(y, delta):
    envelope = onset_strength(y)
    envelope = envelope - envelope.min()
    envelope = envelope / (envelope.max() + np.finfo(np.float64).tiny)
    if not envelope.any():
        return np.array([], dtype=int)
    frames_of = lambda seconds: int(np.ceil(seconds * SR // HOP))
    return peak_pick(envelope, pre_max=frames_of(0.03), post_max=frames_of(0.00) + 1, pre_avg=frames_of(0.10),
                     post_avg=frames_of(0.10) + 1, wait=frames_of(0.03), delta=float(np.float32(delta)))


def spectral_flatness(y):
    power = np.maximum(1e-10, power_spectrogram(y))
    return np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)


# ---------------------------------------------------------------- the CondFoleyGen / SyncFusion protocol

CONFIDENCE_HALF_WINDOW = int(0.05 * SR)


def average_precision(y_true, scores):
    """sklearn's average_precision_score: sum over distinct thresholds, high to low, of
    (recall gained) * precision at that threshold; tied scores form one threshold."""
    y_true = np.asarray(y_true, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    ap = 0.0
    previous_recall = 0.0
    for threshold in np.unique(scores)[::-1]:
        chosen = scores >= threshold
        true_positives = y_true[chosen].sum()
        recall = true_positives / y_true.sum()
        ap += (recall - previous_recall) * true_positives / chosen.sum()
        previous_recall = recall
    return ap


def protocol(target, generated, delta=0.3, match_within=0.1, nms_window=0.05):
    target_onsets = onset_detect(target, delta) * HOP
    generated_onsets = onset_detect(generated, delta) * HOP
    result = {"target_onsets": target_onsets.tolist(), "generated_onsets": generated_onsets.tolist()}
    if len(target_onsets) == 0 or len(generated_onsets) == 0:
        return {**result, "accuracy": 0.0, "average_precision": 0.0, "labels": [], "scores": []}
    magnitude = np.abs(generated.astype(np.float64))
    magnitude = (magnitude - magnitude.min()) / (magnitude.max() - magnitude.min())

    def confidence(o):
        return magnitude[max(0, o - CONFIDENCE_HALF_WINDOW):o + CONFIDENCE_HALF_WINDOW].max()

    # NMS, strongest first (np.argsort(...)[::-1]: of equal confidences the later onset first)
    order = sorted(range(len(generated_onsets)), key=lambda i: (confidence(generated_onsets[i]), i), reverse=True)
    remaining = [int(o) for o in generated_onsets]
    kept = []
    for i in order:
        current = int(generated_onsets[i])
        if current not in remaining:
            continue
        kept.append(current)
        remaining.remove(current)
        position = 0
        while position < len(remaining):  # a Python for-loop over `remaining` while removing from it
            if abs(current - remaining[position]) < nms_window * SR:
                del remaining[position]
            position += 1
    unused = sorted(kept)

    labels, scores, hits = [], [], 0
    for o in target_onsets:
        candidates = [k for k, g in enumerate(unused) if abs(g - o) < match_within * SR]
        if not candidates:
            labels.append(1)
            scores.append(0.0)
            continue
        best = candidates[0]
        for k in candidates:
            if magnitude[unused[k]] >= magnitude[unused[best]]:
                best = k
        hits += 1
        labels.append(1)
        scores.append(confidence(unused[best]))
        del unused[best]
    for g in unused:
        labels.append(0)
        scores.append(confidence(g))
    return {**result, "accuracy": hits / len(target_onsets),
            "average_precision": average_precision(labels, scores), "labels": labels,
            "scores": [float(s) for s in scores]}


# ---------------------------------------------------------------- fixtures

def strikes(duration, times, partials, amplitudes, rng, floor=1e-3):
    """Struck objects: each strike starts at its exact sample with decaying sine partials (hz, decay per s)."""
    n = int(duration * SR)
    t = np.arange(n) / SR
    y = floor * rng.standard_normal(n)
    for time, amplitude in zip(times, amplitudes):
        start = int(round(time * SR))
        local = t[start:] - t[start]
        for k, (hz, decay) in enumerate(partials):
            y[start:] += amplitude / (k + 1) * np.exp(-decay * local) * np.sin(2 * np.pi * hz * local)
    return y


def fixtures():
    rng = np.random.default_rng(20240811)
    wood = [(410.0, 28.0), (1130.0, 45.0), (2350.0, 70.0)]
    metal = [(880.0, 6.0), (2410.0, 9.0), (5270.0, 14.0)]
    target_times = [0.20, 0.52, 0.90, 1.05, 1.60, 2.10]
    target = strikes(2.5, target_times, wood, [0.6, 0.35, 0.7, 0.25, 0.5, 0.6], rng)
    # the "generated" clip: other material, timing off by up to 30 ms, the 1.05 s strike missing, two extra ones,
    # and a flam (a soft strike at 1.62 s, a loud one 40 ms later: two onsets 2 frames apart) for NMS to merge
    generated = strikes(2.5, [0.215, 0.50, 0.93, 1.40, 1.62, 1.66, 2.09, 2.30], metal,
                        [0.5, 0.6, 0.3, 0.45, 0.2, 0.9, 0.2, 0.4], rng)
    # two early strikes only: they are used up after two matches, leaving four misses and no extra onsets
    sparse = strikes(1.0, [0.19, 0.53], metal, [0.6, 0.6], rng)
    noise = 0.3 * rng.standard_normal(SR)
    t = np.arange(int(1.5 * SR)) / SR
    chirp = 0.4 * np.sin(2 * np.pi * 200 * (40 ** (t / 1.5) - 1) * 1.5 / np.log(40))  # 200 Hz -> 8 kHz, log sweep
    chirp[int(0.75 * SR):] *= 2.0  # one loudness step
    return {"strikes_target": target, "strikes_generated": generated, "strikes_sparse": sparse, "noise": noise, "chirp": chirp}


def write_wav(name, y):
    """16-bit PCM as foley-core's WavFile writes it; returns the samples as WavFile.read gives them back."""
    pcm = np.round(np.clip(y, -1, 1) * 32767).astype(np.int16)
    scipy.io.wavfile.write(OUT / f"{name}.wav", SR, pcm)
    return (pcm.astype(np.float32) / np.float32(32767)).astype(np.float64)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    filterbank_difference = check_filterbank_against_torchaudio(MEL)
    signals = {name: write_wav(name, y) for name, y in fixtures().items()}
    signals["silence"] = np.zeros(SR)  # not stored: the test makes its own second of zeros

    detection = {}
    for name, y in signals.items():
        detection[name] = {"samples": len(y), "strength": onset_strength(y).tolist(),
                           "onset_frames": onset_detect(y, 0.3).tolist(),
                           "onset_frames_delta_0_07": onset_detect(y, 0.07).tolist(),
                           "flatness": spectral_flatness(y).tolist()}
    pairs = []
    for target, generated in [("strikes_target", "strikes_generated"), ("strikes_generated", "strikes_target"),
                              ("strikes_target", "strikes_target"), ("strikes_target", "strikes_sparse"),
                              ("strikes_target", "noise"),
                              ("strikes_target", "chirp"), ("chirp", "strikes_generated"),
                              ("strikes_target", "silence"), ("silence", "strikes_target")]:
        pairs.append({"target": target, "generated": generated,
                      **protocol(signals[target], signals[generated])})

    bands = [{"first_bin": int(np.flatnonzero(row)[0]), "last_bin": int(np.flatnonzero(row)[-1]),
              "sum": float(row.sum()), "max": float(row.max())} for row in MEL]
    assert abs(average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) - 0.8333333333333333) < 1e-15  # sklearn doc
    (OUT / "onset_reference.json").write_text(json.dumps({
        "librosa_version": "0.11.0", "sample_rate": SR, "n_fft": N_FFT, "hop_length": HOP,
        "mel_filterbank_vs_torchaudio": filterbank_difference, "mel_bands": bands,
        "signals": detection, "pairs": pairs}, indent=1))
    for pair in pairs:
        print(f"{pair['target']:>18} vs {pair['generated']:<18} acc {pair['accuracy']:.4f} "
              f"AP {pair['average_precision']:.4f}  onsets {pair['target_onsets']} / {pair['generated_onsets']}")
    print(f"mel filterbank vs torchaudio: {filterbank_difference:.2e} relative; wrote {OUT}")


if __name__ == "__main__":
    main()
