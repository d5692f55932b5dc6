#!/usr/bin/env python3
"""Reference Kaldi fbank values for foley-core's dsp package, written once as test data.

Computes torchaudio.compliance.kaldi.fbank exactly as GRAM's AudioMapper calls it (model-facts §1.6):
16 kHz mono, waveform * 2**15, num_mel_bins, frame_length=25, frame_shift=10, every other argument at
torchaudio's default. Needs Debian's python3-torchaudio and python3-numpy; run with /usr/bin/python3.

Writes into foley-core/src/test/resources/dsp/:
  <name>.wav            the fixture signal, 16-bit PCM mono at 16 kHz
  <name>_<bins>.f32     the expected log-mel fbank, float32 little-endian, frames x bins, time-major
  fbank_reference.json  the list of cases (wav, mel bins, frame count, fbank file)
"""
import json
import pathlib
import wave

import numpy as np
import torch
import torchaudio

RATE = 16000
# torchaudio computes in float32. On a loud pure tone its rounding alone moves the weakest mel bins by 1e-2 in the
# log, so every fixture keeps a broadband noise floor, and main() checks that float32 and float64 torchaudio agree
# far inside the Java test's 1e-3 tolerance: the test then measures our code, not float32 rounding.
FLOAT32_ROUNDING_BUDGET = 4e-4
OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/dsp"


def chirp_with_bursts(rng):
    """A 100 Hz -> 7.5 kHz linear chirp with three loud noise bursts over a noise floor."""
    n = 2 * RATE
    t = np.arange(n) / RATE
    y = 0.2 * np.sin(2 * np.pi * (100 * t + (7400 / 4) * t ** 2))
    for start in (0.4, 1.1, 1.6):
        burst = (t >= start) & (t < start + 0.05)
        y[burst] += 0.5 * rng.standard_normal(burst.sum())
    return y + 0.06 * rng.standard_normal(n)


def silence_then_offset_tones(rng):
    """0.3 s of digital silence (the log floor), then noise and decaying tone bursts on a DC offset."""
    n = int(1.5 * RATE)
    t = np.arange(n) / RATE
    y = 0.1 + 0.04 * rng.standard_normal(n)
    for start, hz in ((0.35, 440.0), (0.8, 1800.0), (1.2, 5200.0)):
        after = (t - start).clip(0)
        y += (t >= start) * 0.4 * np.exp(-after * 12) * np.sin(2 * np.pi * hz * after)
    y[: int(0.3 * RATE)] = 0.0
    return y


def short_odd_length(rng):
    """0.5 s plus 37 samples (a partial last frame that snip_edges drops): noise and a 1 kHz tone."""
    n = RATE // 2 + 37
    t = np.arange(n) / RATE
    return 0.1 * rng.standard_normal(n) + 0.2 * np.sin(2 * np.pi * 1000 * t)


def to_pcm16(y):
    return np.round(np.clip(y, -1, 1) * 32767).astype(np.int16)


def write_wav(path, pcm):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.astype("<i2").tobytes())


def kaldi_fbank(pcm, mel_bins, dtype=np.float32):
    # foley-core's WavFile reads 16-bit PCM as pcm / 32767 in float32; feed torchaudio the same floats.
    samples = (pcm.astype(np.float32) / np.float32(32767)).astype(dtype)
    waveform = torch.from_numpy(samples).unsqueeze(0) * 2 ** 15
    return torchaudio.compliance.kaldi.fbank(
        waveform, num_mel_bins=mel_bins, sample_frequency=RATE, frame_length=25, frame_shift=10).numpy()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    signals = [("chirp_bursts", chirp_with_bursts(rng), (128,)),
               ("silence_offset_tones", silence_then_offset_tones(rng), (128, 64)),
               ("short_odd", short_odd_length(rng), (128,))]
    cases = []
    for name, y, bin_counts in signals:
        pcm = to_pcm16(y)
        write_wav(OUT / f"{name}.wav", pcm)
        for bins in bin_counts:
            fbank = kaldi_fbank(pcm, bins)
            rounding = np.abs(fbank - kaldi_fbank(pcm, bins, np.float64)).max()
            assert rounding < FLOAT32_ROUNDING_BUDGET, f"{name}: float32 rounding moves the fbank by {rounding}"
            fbank_file = f"{name}_{bins}.f32"
            fbank.astype("<f4").tofile(OUT / fbank_file)
            cases.append({"wav": f"{name}.wav", "mel_bins": bins, "frames": int(fbank.shape[0]),
                          "fbank": fbank_file})
    (OUT / "fbank_reference.json").write_text(json.dumps(
        {"torchaudio": torchaudio.__version__, "cases": cases}, indent=2) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
