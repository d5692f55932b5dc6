#!/usr/bin/python3
"""Baseline for bench's EnvelopeVsNumpy: librosa.feature.rms semantics in vectorised numpy, timed.

usage: envelope_numpy.py SAMPLES.f32 REPS [ENVELOPE_OUT.f32]

SAMPLES.f32 holds little-endian float32 mono samples. The envelope is computed as librosa 0.10 does it
(center=True, constant zero padding of frame_length/2 each side, strided frames, mean of squares, sqrt),
frame 2048, hop 512, once untimed as a warm-up and then REPS times. Prints "median_s <wall seconds>" and
"median_cpu_s <CPU seconds>" and, when ENVELOPE_OUT is given, writes the envelope there (float32) so the caller can check both sides agree.
"""
import sys
import time

import numpy as np

FRAME_LENGTH = 2048
HOP_LENGTH = 512


def librosa_rms(y, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH):
    padded = np.pad(y, frame_length // 2, mode="constant")
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length]
    power = np.mean(np.abs(frames) ** 2, axis=-1)
    return np.sqrt(power)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    samples = np.fromfile(sys.argv[1], dtype="<f4")
    reps = int(sys.argv[2])
    envelope = librosa_rms(samples)
    seconds = []
    cpu_seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        cpu_started = time.process_time()
        librosa_rms(samples)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    if len(sys.argv) == 4:
        envelope.astype("<f4").tofile(sys.argv[3])
    print("frames", len(envelope))
    print("median_s", float(np.median(seconds)))
    print("median_cpu_s", float(np.median(cpu_seconds)))


if __name__ == "__main__":
    main()
