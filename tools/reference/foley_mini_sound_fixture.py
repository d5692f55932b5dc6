#!/usr/bin/python3
"""The fixture clip of FoleyMiniSoundTest (issue 8, acceptance 4), written once as test data.

A held-out world clip (tools/train/world.py, a test-split seed: never trained on), 4 s at 16 kHz mono with 8
frames/s at 64x64 as the world renders them: the first test seed from 2,000,100 with a hit action and at least
`--hits` strikes. Its frames go to foley-core/src/test/resources/foley-mini/sound/hits.npz (uint8 (T, H, W, 3)),
its sound to hits.wav (16-bit), its labels and strike times to clip.json; the test encodes the MP4 itself
(media.RecordedClip) and runs it as a job.

Usage: /usr/bin/python3 tools/reference/foley_mini_sound_fixture.py
"""
import argparse
import json
import pathlib
import sys

import numpy as np
from scipy.io import wavfile

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "train"))
import world  # noqa: E402

OUT = REPO / "foley-core" / "src" / "test" / "resources" / "foley-mini" / "sound"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hits", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    start = world.SPLIT_SEEDS["test"][0] + 100
    for seed in range(start, start + 5000):
        if world.labels_for_seed(seed)[1] != "hit":
            continue
        clip = world.make_clip(seed, duration_s=4.0, sample_rate=16000, channels=1, fps=8, size=64)
        if sum(kind == "hit" for _, kind, _ in clip.events) >= args.hits:
            break
    np.savez_compressed(OUT / "hits.npz", frames=clip.frames.astype(np.uint8))
    pcm = np.clip(np.round(clip.audio.reshape(-1) * 32767), -32768, 32767).astype(np.int16)
    wavfile.write(OUT / "hits.wav", clip.sample_rate, pcm)
    record = {"seed": clip.seed, "material": clip.material, "action": clip.action, "caption": clip.caption,
              "seconds": 4.0, "sampleRate": clip.sample_rate, "fps": clip.fps,
              "strikes": [round(float(t), 4) for t, kind, _ in clip.events if kind == "hit"]}
    (OUT / "clip.json").write_text(json.dumps(record, indent=1) + "\n")
    print(record)


if __name__ == "__main__":
    main()
