"""Write a split of the procedural world as compressed .npz shards plus a JSON index.

    /usr/bin/python3 tools/train/make_world.py --out data/world --split train --count 4096
    /usr/bin/python3 tools/train/make_world.py --out data/world --split test --count 256 --duration 4

Clip i of a split has seed SPLIT_SEEDS[split].start + i (see world.SPLIT_SEEDS), so splits never share a seed.
Each shard <split>-<k>.npz holds up to --shard-size clips:
  frames  uint8   (n, T, H, W, 3)      audio    float32 (n, channels, samples)
  speed   float32 (n, T)               seed     int64   (n,)
  material, action  int8 (n,): indices into world.MATERIALS / world.ACTIONS
  caption  unicode (n,)
  event_time float32, event_kind int8 (index into EVENT_KINDS), event_strength float32: all clips' events
  event_offset int64 (n + 1,): clip j's events are event_*[event_offset[j]:event_offset[j + 1]]
<split>.json lists the settings, the shards and, per clip, its seed, labels, caption and events.
An existing shard with the same settings is kept, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import world  # noqa: E402  (sets the BLAS thread count before numpy loads)

import numpy as np  # noqa: E402

EVENT_KINDS = ("hit", "scratch-start", "scratch-end")


def write_shard(path: Path, clips: list):
    events = [c.events for c in clips]
    np.savez_compressed(
        path,
        frames=np.stack([c.frames for c in clips]),
        audio=np.stack([c.audio for c in clips]),
        speed=np.stack([c.speed for c in clips]),
        seed=np.array([c.seed for c in clips], dtype=np.int64),
        material=np.array([world.MATERIALS.index(c.material) for c in clips], dtype=np.int8),
        action=np.array([world.ACTIONS.index(c.action) for c in clips], dtype=np.int8),
        caption=np.array([c.caption for c in clips]),
        event_time=np.array([t for e in events for t, _, _ in e], dtype=np.float32),
        event_kind=np.array([EVENT_KINDS.index(k) for e in events for _, k, _ in e], dtype=np.int8),
        event_strength=np.array([g for e in events for _, _, g in e], dtype=np.float32),
        event_offset=np.cumsum([0] + [len(e) for e in events]).astype(np.int64),
    )


def write_index(path: Path, args, settings: dict, shards: list):
    path.write_text(json.dumps({"split": args.split, "settings": settings, "shard_size": args.shard_size,
                                "count": sum(len(s["clips"]) for s in shards), "shards": shards}, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--split", required=True, choices=sorted(world.SPLIT_SEEDS))
    parser.add_argument("--count", required=True, type=int)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per clip")
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--fps", type=int, default=8)
    parser.add_argument("--size", type=int, default=64, help="frame height and width (multiple of 8)")
    parser.add_argument("--picture", choices=world.PICTURES, default="material",
                        help="plain: a grey surface that shows no material (the sound is unchanged)")
    parser.add_argument("--shard-size", type=int, default=64)
    args = parser.parse_args(argv)

    seeds = world.SPLIT_SEEDS[args.split]
    if args.count > len(seeds):
        parser.error(f"--count exceeds the {len(seeds)} seeds of split {args.split}")
    settings = dict(duration_s=args.duration, sample_rate=args.sample_rate, channels=args.channels, fps=args.fps,
                    size=args.size, picture=args.picture)
    args.out.mkdir(parents=True, exist_ok=True)
    index_path = args.out / f"{args.split}.json"
    previous = json.loads(index_path.read_text()) if index_path.exists() else {}
    reusable = previous.get("settings") == settings and previous.get("shard_size") == args.shard_size
    done = {s["file"]: s for s in previous.get("shards", [])} if reusable else {}

    started, generated = time.time(), 0
    shards = []
    for first in range(0, args.count, args.shard_size):
        shard_seeds = list(seeds[first:min(first + args.shard_size, args.count)])
        name = f"{args.split}-{first // args.shard_size:05d}.npz"
        if name in done and [c["seed"] for c in done[name]["clips"]] == shard_seeds and (args.out / name).exists():
            shards.append(done[name])
            continue
        clips = [world.make_clip(s, **settings) for s in shard_seeds]
        write_shard(args.out / name, clips)
        generated += len(clips)
        shards.append({"file": name, "clips": [
            {"seed": c.seed, "material": c.material, "action": c.action, "caption": c.caption,
             "events": [list(e) for e in c.events]} for c in clips]})
        write_index(index_path, args, settings, shards)
        elapsed = time.time() - started
        print(f"{name}: {first + len(clips)}/{args.count} clips, {generated / elapsed:.1f} clips/s", flush=True)
    write_index(index_path, args, settings, shards)
    counts = {}
    for shard in shards:
        for c in shard["clips"]:
            counts[c["material"]] = counts.get(c["material"], 0) + 1
    print(f"{args.split}: {args.count} clips in {len(shards)} shards under {args.out} "
          f"({generated} generated in {time.time() - started:.1f} s); materials {counts}")


if __name__ == "__main__":
    main()
