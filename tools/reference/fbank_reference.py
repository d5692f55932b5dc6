#!/usr/bin/env python3
"""Reference Kaldi fbank values for foley-core's dsp package, written once as test data.

Computes torchaudio.compliance.kaldi.fbank exactly as GRAM's AudioMapper calls it (model-facts §1.6):
16 kHz mono, waveform * 2**15, num_mel_bins, frame_length=25, frame_shift=10, every other argument at
torchaudio's default. Needs Debian's python3-torchaudio and python3-numpy; run with /usr/bin/python3.

Writes into foley-core/src/test/resources/dsp/:
  <name>.wav            the fixture signal, 16-bit PCM mono at 16 kHz
  <name>_<bins>.f32     the expected log-mel fbank, float32 little-endian, frames x bins, time-major
  fbank_reference.json  the list of cases (wav, mel bins, frame count, fbank file)

and, for foley-cli's `foley fbank` (which decodes any sound through FFmpeg), into foley-cli/src/test/resources/fbank/
one stereo signal stored as 16-bit, 24-bit and float WAV and as 16-bit FLAC, with the fbank of what FFmpeg decodes
from each (s16 / 2**15, s24 / 2**23, the floats themselves) mixed to mono as the mean of the channels:
  <name>.wav|.flac, <name>_64.f32, formats.json
"""
import json
import struct
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
FORMATS_OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-cli/src/test/resources/fbank"


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
    return kaldi_fbank_of((pcm.astype(np.float32) / np.float32(32767)).astype(dtype), mel_bins)


def kaldi_fbank_of(samples, mel_bins):
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


def stereo_tone_and_noise(rng):
    """0.3 s: left a 1 kHz tone over noise, right a quieter 3 kHz tone over other noise, so the mean is neither."""
    n = int(0.3 * RATE) + 11
    t = np.arange(n) / RATE
    left = 0.3 * np.sin(2 * np.pi * 1000 * t) + 0.05 * rng.standard_normal(n)
    right = 0.15 * np.sin(2 * np.pi * 3000 * t) + 0.02 * rng.standard_normal(n)
    return np.stack([left, right], axis=1)


def write_pcm_wav(path, frames, format_tag, sample_bytes, data):
    """A canonical RIFF/WAVE file: fmt tag 1 (PCM) or 3 (IEEE float), interleaved little-endian frames."""
    channels = frames.shape[1]
    fmt = struct.pack("<HHIIHH", format_tag, channels, RATE, RATE * channels * sample_bytes, channels * sample_bytes,
                      8 * sample_bytes)
    riff = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(riff)) + riff)


def write_sample_formats():
    FORMATS_OUT.mkdir(parents=True, exist_ok=True)
    y = np.clip(stereo_tone_and_noise(np.random.default_rng(9)), -1, 1)
    pcm16 = np.round(y * 32767).astype("<i2")
    pcm24 = np.round(y * 8388607).astype("<i4")
    floats = y.astype("<f4")
    write_pcm_wav(FORMATS_OUT / "stereo_s16.wav", y, 1, 2, pcm16.tobytes())
    write_pcm_wav(FORMATS_OUT / "stereo_s24.wav", y, 1, 3,
                  b"".join(v.to_bytes(3, "little", signed=True) for v in pcm24.reshape(-1).tolist()))
    write_pcm_wav(FORMATS_OUT / "stereo_f32.wav", y, 3, 4, floats.tobytes())
    torchaudio.save(str(FORMATS_OUT / "stereo_s16.flac"), torch.from_numpy(pcm16.T.copy()), RATE, format="flac",
                    bits_per_sample=16)
    flac, _ = torchaudio.load(str(FORMATS_OUT / "stereo_s16.flac"))  # sox reads FLAC as s16 / 2**15
    assert np.array_equal(np.round(flac.numpy().T * 2 ** 15), pcm16), "FLAC must hold the 16-bit samples exactly"
    # what FFmpeg decodes each into (float32), then the mean of the two channels in float32 as Java computes it
    decoded = {"stereo_s16.wav": pcm16.astype(np.float32) / np.float32(2 ** 15),
               "stereo_s24.wav": pcm24.astype(np.float32) / np.float32(2 ** 23),
               "stereo_f32.wav": floats,
               "stereo_s16.flac": pcm16.astype(np.float32) / np.float32(2 ** 15)}
    cases = []
    for name, samples in decoded.items():
        mono = ((samples[:, 0] + samples[:, 1]) / np.float32(2)).astype(np.float32)
        fbank = kaldi_fbank_of(mono, 64)
        rounding = np.abs(fbank - kaldi_fbank_of(mono.astype(np.float64), 64)).max()
        assert rounding < FLOAT32_ROUNDING_BUDGET, f"{name}: float32 rounding moves the fbank by {rounding}"
        expected = name.replace(".", "_") + "_64.f32"
        fbank.astype("<f4").tofile(FORMATS_OUT / expected)
        cases.append({"file": name, "mel_bins": 64, "frames": int(fbank.shape[0]), "fbank": expected})
    (FORMATS_OUT / "formats.json").write_text(json.dumps(
        {"torchaudio": torchaudio.__version__, "cases": cases}, indent=2) + "\n")
    print("wrote", FORMATS_OUT)


if __name__ == "__main__":
    main()
    write_sample_formats()
