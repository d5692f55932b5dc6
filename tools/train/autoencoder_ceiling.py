#!/usr/bin/python3
"""How much material the autoencoder keeps: eval-mini's material accuracy on held-out clips and on the autoencoder's
reconstructions of them (encoded to the posterior mean, decoded). Generated audio passes through the same decoder,
so the second number bounds what the generator can score (docs/foley-mini.md, "Results").

Usage: /usr/bin/python3 tools/train/autoencoder_ceiling.py --work target/foley-mini-work \
           --world target/foley-mini-world --eval-checkpoints target/eval-mini [--clips 36]
(--eval-checkpoints: train_eval_mini.py's work folder, holding classifier.pt and clap.pt)
"""
import argparse
import collections
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "reference"))
sys.path.insert(0, str(REPO / "tools" / "train"))
import eval_mini_reference  # noqa: E402
import train  # noqa: E402
import world  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="target/foley-mini-work")
    parser.add_argument("--world", default="target/foley-mini-world")
    parser.add_argument("--eval-checkpoints", default="target/eval-mini")
    parser.add_argument("--clips", type=int, default=36)
    args = parser.parse_args()
    eval_pack = json.loads((REPO / "models" / "eval-mini" / "pack.json").read_text())
    classifier = eval_mini_reference.Models(Path(args.eval_checkpoints), eval_pack)
    dims = json.loads((Path(args.work) / "run.json").read_text())["dims"]
    encoder, decoder = train.load_autoencoder(args.work, dims)
    shard = np.load(sorted(Path(args.world).glob("test-*.npz"))[0])
    audio = torch.from_numpy(shard["audio"][:args.clips]).float()
    labels = shard["material"][:args.clips]
    with torch.no_grad():
        reconstructed = decoder(encoder(audio)[:, :dims["latent_dim"]])[..., :audio.shape[-1]]
    for name, clips in (("source", audio), ("autoencoder", reconstructed)):
        predicted = classifier.audio([clip[0].numpy() for clip in clips])[0].argmax(-1).numpy()
        confusion = collections.Counter((world.MATERIALS[a], world.MATERIALS[b]) for a, b in zip(labels, predicted))
        print(f"{name}: material accuracy {np.mean(predicted == labels):.3f} on {len(labels)} clips; "
              + ", ".join(f"{a}->{b} {n}" for (a, b), n in sorted(confusion.items())))


if __name__ == "__main__":
    main()
