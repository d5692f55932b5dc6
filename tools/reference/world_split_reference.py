"""Write the world-split fixture bench's WorldSplitTest reads, and what numpy reads back from it.

    /usr/bin/python3 tools/reference/world_split_reference.py

Runs tools/train/make_world.py for 3 test clips of 1 s, 8x8 pictures at 2 fps, 2 kHz stereo (small, and stereo so
the channel layout is checked), then records with numpy, per clip: its seed, material and caption, the sum of all
its frame bytes, pixel (t=1, y=3, x=5, channel 2), and the audio of both channels at samples 0, 1 and 1500.
"""
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench/src/test/resources/world"
sys.path.insert(0, str(ROOT / "tools/train"))
import make_world  # noqa: E402


def main():
    make_world.main(["--out", str(OUT), "--split", "test", "--count", "3", "--duration", "1", "--sample-rate",
                     "2000", "--channels", "2", "--fps", "2", "--size", "8", "--shard-size", "2"])
    index = json.loads((OUT / "test.json").read_text())
    expected = []
    for shard in index["shards"]:
        with np.load(OUT / shard["file"]) as data:
            for k, clip in enumerate(shard["clips"]):
                frames, audio = data["frames"][k], data["audio"][k].astype(np.float64)
                expected.append({"seed": clip["seed"], "material": clip["material"], "caption": clip["caption"],
                                 "frame_byte_sum": int(frames.astype(np.int64).sum()),
                                 "pixel_t1_y3_x5_c2": int(frames[1, 3, 5, 2]),
                                 "audio_at": {str(n): [float(audio[c, n]) for c in range(2)] for n in (0, 1, 1500)}})
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1))
    print(f"wrote {OUT}: {len(expected)} clips")


if __name__ == "__main__":
    main()
