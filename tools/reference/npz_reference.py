"""Write the fixtures NpyFileTest reads: a tiny archive laid out like tools/train/make_world.py's shards, and the
float32 matrix numpy.save writes, which NpyFile.writeRows must reproduce byte for byte.

    /usr/bin/python3 tools/reference/npz_reference.py

numpy.savez_compressed of frames uint8 (2, 3, 4, 4, 3) = (k * 7) % 256 in C order, audio float32 (2, 1, 5) =
k / 8 - 1, seed int64 and caption unicode (which the Java reader need not understand to read the others).
numpy.save of float32 (3, 70) = (k - 100) / 7, a row width whose header needs padding.
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/gram/world_shard.npz"
ROWS = OUT.with_name("rows_3x70.npy")


def main():
    frames = ((np.arange(2 * 3 * 4 * 4 * 3) * 7) % 256).astype(np.uint8).reshape(2, 3, 4, 4, 3)
    audio = (np.arange(2 * 1 * 5) / 8 - 1).astype(np.float32).reshape(2, 1, 5)
    np.savez_compressed(OUT, frames=frames, audio=audio, seed=np.array([2_000_000, 2_000_001], dtype=np.int64),
                        caption=np.array(["a stick hitting metal", "scratching wood"]))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    np.save(ROWS, ((np.arange(3 * 70) - 100) / 7).astype(np.float32).reshape(3, 70))
    print(f"wrote {ROWS} ({ROWS.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
