#!/usr/bin/python3
"""Stage-by-stage reference of one Foley-mini window in PyTorch, for foley-core's FoleyMiniParityTest (issue 8,
acceptance 6: the exported ONNX pack reproduces the PyTorch model to 1e-3 through every stage).

It loads the trained modules from a tools/train/train.py work dir as training left them, not the exported
checkpoints: the GRAM towers (gram.ckpt), the VAE (autoencoder.pt's encoder, which is also the envelope encoder, and
decoder.pt's wider decoder) and the EMA DiT + ControlNet + projector as the picture stage left them (picture.pt: the
dit stage's DiT and projector, its ControlNet fine-tuned), built from the dimensions in run.json.
One held-out clip of the world (the test split, seeds never used in training) goes through them as the product runs
a window:
- GRAM embeddings from the raw inputs, with train.py's preprocessing (what the encoders were trained on): the 4
  frames Java samples (the middle of each run of 16), the caption through the trainer's WordPiece, and the audio's
  Kaldi fbank slice; each L2-normalised, video as the mean over frames;
- the librosa-rms envelope of the audio (float64) and its peak, as envelope-service measures them;
- then tools/reference/generator_reference.py's generate_window: the projected tokens, the envelope encoder's
  sampled latents, every dpmpp-2m step's latent with CFG (sampler, steps, CFG and sigmas from pack.json) and the
  product's noise for the job seed and window 0, and the decoded audio.
The audio is quantised to 16-bit first and written as a WAV, so Java and PyTorch start from the same samples.

Writes into foley-core/src/test/resources/foley-mini/: frame_<k>.png, source.wav, reference.json (inputs, ids,
embeddings, envelope, tokens, envelope latents, the pack's sha256s), latents.npy (one row per step) and audio.npy.

Usage (after train.py's export stage; about 10 s):
  /usr/bin/python3 tools/reference/foley_mini_reference.py [--work target/foley-mini-work] [--pack models/foley-mini]
"""
import argparse
import hashlib
import json
import pathlib
import sys
import wave

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tools" / "reference"), str(ROOT / "tools" / "train")]
import train  # noqa: E402
import world  # noqa: E402
from foleygram import config  # noqa: E402
from generator_reference import generate_window  # noqa: E402

OUT_DIR = ROOT / "foley-core" / "src" / "test" / "resources" / "foley-mini"
CLIP_SEED = 2_000_010  # test split: glass, hit
JOB_SEED = 20_250_806


class TrainedPack:
    """The trained generation modules under the names generate_window uses, with the pack's pack.json."""

    def __init__(self, work, dims, manifest):
        encoder, decoder = train.load_autoencoder(str(work), dims)
        trained = torch.load(work / "picture.pt", map_location="cpu")
        dit, projector = config.foley_dit(dims), config.projector(dims)
        dit.load_state_dict(trained["dit"])
        projector.load_state_dict(trained["projector"])
        self.manifest = manifest
        self.projector, self.envelope_encoder = projector.eval(), encoder
        self.dit, self.decoder = dit.eval(), decoder


def quantised_audio(audio):
    """16-bit PCM as the WAV holds it, read back as Java's WavFile does (sample / 32767)."""
    pcm = np.clip(np.round(audio * 32767), -32768, 32767).astype("<i2")
    return pcm, pcm.astype(np.float32) / np.float32(32767)


def librosa_rms(samples, frame_length, hop_length):
    """librosa.feature.rms(center=True, pad_mode="constant") in float64: 1 + n // hop frames."""
    padded = np.pad(samples.astype(np.float64), frame_length // 2)
    count = 1 + len(samples) // hop_length
    frames = np.stack([padded[i * hop_length:i * hop_length + frame_length] for i in range(count)])
    return np.sqrt(np.mean(frames ** 2, axis=1))


def gram_embeddings(work, dims, frames, caption, mono):
    gram = train.load_gram(str(work), dims)
    vocab = train.build_tokenizer_vocab()
    ids, masks = train.tokenize_all([caption], vocab)
    video, text, audio = train.gram_embeddings(gram, dims, frames[None], ids, masks,
                                               train.fbank_slices(torch.from_numpy(mono)[None, None]))
    return {"video": video[0], "text": text[0], "audio": audio[0]}, ids[0], masks[0]


def floats(tensor):
    return [float(v) for v in np.asarray(tensor, dtype=np.float32).ravel()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "target" / "foley-mini-work",
                        help="train.py's work dir (gram.ckpt, autoencoder.pt, decoder.pt, picture.pt, run.json)")
    parser.add_argument("--pack", type=pathlib.Path, default=ROOT / "models" / "foley-mini",
                        help="the pack train.py exported from it")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    dims = json.loads((args.work / "run.json").read_text())["dims"]
    manifest = json.loads((args.pack / "pack.json").read_text())
    sample_rate, video = manifest["sample_rate"], manifest["preprocessing"]["video"]

    clip = world.make_clip(CLIP_SEED, duration_s=manifest["window_seconds"], sample_rate=sample_rate, channels=1,
                           fps=8, size=video["size"])
    pcm, mono = quantised_audio(clip.audio[0])
    chosen = train.frame_choice(len(clip.frames))
    frames = clip.frames[chosen]

    with torch.no_grad():
        embeddings, ids, masks = gram_embeddings(args.work, dims, frames, clip.caption, mono)
        convention = manifest["envelope"]
        envelope = librosa_rms(mono, convention["frame_length"], convention["hop_length"])
        sampler = manifest["sampler"]
        window = {"index": 0, "startS": 0.0, "durationS": manifest["window_seconds"],
                  "videoDurationS": manifest["window_seconds"],
                  "envelopeRateHz": sample_rate / convention["hop_length"], "envelope": envelope.tolist(),
                  "envelopeChannels": 1, "audioPeak": float(np.abs(mono).max()), "seed": JOB_SEED,
                  "modalities": manifest["conditioning"]["modalities"], "negativePrompt": False, "controlScale": 1.0,
                  "sampler": sampler["type"], "steps": sampler["steps"], "cfgScale": sampler["cfg_scale"],
                  "sigmaMin": sampler["sigma_min"], "sigmaMax": sampler["sigma_max"], "eta": 1.0, "sNoise": 1.0}
        stages = generate_window(TrainedPack(args.work, dims, manifest),
                                 {m: e.tolist() for m, e in embeddings.items()}, window)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for k, frame in enumerate(frames):
        Image.fromarray(frame, mode="RGB").save(OUT_DIR / f"frame_{k}.png")
    with wave.open(str(OUT_DIR / "source.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())
    pack_sha256 = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                   for path in sorted(args.pack.iterdir()) if path.suffix in (".json", ".onnx")}
    reference = {
        "pack": f"{manifest['name']}@{manifest['version']}", "packSha256": pack_sha256,
        "clip": {"seed": CLIP_SEED, "material": clip.material, "action": clip.action, "caption": clip.caption,
                 "frameIndices": chosen},
        "window": window,
        "inputIds": ids[masks.bool()].tolist(),
        "embeddings": {m: floats(e) for m, e in embeddings.items()},
        "tokens": floats(stages["tokens"]),
        "envelopeLatents": floats(stages["envelopeLatents"]),
    }
    (OUT_DIR / "reference.json").write_text(json.dumps(reference))
    np.save(OUT_DIR / "latents.npy", np.array(stages["latents"], dtype=np.float32))
    np.save(OUT_DIR / "audio.npy", stages["audio"].astype(np.float32)[None])
    print(f"wrote {OUT_DIR}: clip {CLIP_SEED} ({clip.caption!r}), {len(stages['latents'])} steps, "
          f"decoded peak {np.abs(stages['audio']).max():.3f}")


if __name__ == "__main__":
    main()
