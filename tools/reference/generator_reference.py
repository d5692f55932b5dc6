#!/usr/bin/python3
"""Per-step reference for io.foleystream.diffusion.WindowGenerator on the tiny pack, written once as test data.

It rebuilds the tiny pack's PyTorch modules with the weights make_tiny_pack.py exports (same code, same
seeds) and runs one window through the reference algorithm, the way stable-audio-tools / Stable-V2A do:
- the projector on the window's GRAM embeddings gives one cross-attention token per modality of the pack
  (an absent modality's token is zero); the unconditional CFG rows get zero tokens;
- the envelope frames, linearly interpolated to the audio rate and copied to every channel, go through the
  envelope encoder to the ControlNet's latents, which both CFG halves see;
- the DiT + ControlNet predicts v; k-diffusion's VDenoiser (sigma_data 1) turns it into the denoised
  estimate; CFG runs cond and uncond as one doubled batch, uncond + (cond - uncond) * scale;
- the k-diffusion v0.1.1 samplers of diffusion_reference.py (float64 state, model I/O float32) walk the
  polyexponential schedule; every step's latent is recorded;
- the decoder turns the final latent into audio, trimmed to the window.

The noise is the product's: foley-core's GaussianNoise (java.util.SplittableRandom + Box-Muller) seeded with
WindowGenerator's window seed (job seed and window index), initial noise first, then one draw per SDE step.
It stands in for torch.randn and torchsde's Brownian tree (same N(0, 1) marginals) and is written out with the
rest, so a generator that seeds a window differently fails the comparison.

Conditioning conventions are explicit per case (seconds_start/seconds_total, envelope handling), so the
script follows the pack contract as it changes. Every input, the noise, each step's latent (JSON) and the
decoded audio (.npy, one row per case) go to foley-core/src/test/resources/diffusion/.

Usage: /usr/bin/python3 tools/reference/generator_reference.py   (Debian's python3-torch and python3-numpy)
"""
import hashlib
import json
import math
import pathlib
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "export"))
sys.path.insert(0, str(ROOT / "tools" / "reference"))
import make_tiny_pack  # noqa: E402
from diffusion_reference import VDenoiser, get_sigmas_polyexponential, sample  # noqa: E402
from tiny_vocab import build_vocab  # noqa: E402

PACK_DIR = ROOT / "models" / "tiny"
OUT_DIR = ROOT / "foley-core" / "src" / "test" / "resources" / "diffusion"
PACK_FILES = ("projector", "envelope_encoder", "dit", "decoder")

MASK_64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class JavaGaussianNoise:
    """foley-core's GaussianNoise: java.util.SplittableRandom(seed) feeding a Box-Muller transform, float32 out."""

    def __init__(self, seed):
        self.state = seed & MASK_64
        self.spare = None

    def next_long(self):
        self.state = (self.state + GOLDEN_GAMMA) & MASK_64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK_64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK_64
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * 2.0 ** -53

    def next_gaussian(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        uniform = 1.0 - self.next_double()
        radius = math.sqrt(-2.0 * math.log(uniform))
        angle = 2.0 * math.pi * self.next_double()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)

    def next(self, n):
        return np.array([self.next_gaussian() for _ in range(n)], dtype=np.float32)


def window_seed(job_seed, index):
    """WindowGenerator.windowSeed: each window of a job draws its own noise."""
    return (job_seed * 0x9E3779B97F4A7C15 + index) & MASK_64


class TinyPack:
    """The tiny pack's generation modules in PyTorch, with pack.json's numbers."""

    def __init__(self):
        vocab_size = len(build_vocab())
        self.modules = {name: make_tiny_pack.seeded_model(name, vocab_size) for name in PACK_FILES}
        self.manifest = json.loads((PACK_DIR / "pack.json").read_text())

    def __getattr__(self, name):
        return self.modules[name]


def audio_rate_envelope(frames, rate_hz, samples, sample_rate, channels):
    """The envelope frames linearly interpolated at each audio sample's time (held after the last frame)."""
    if len(frames) == 0:
        return np.zeros((channels, samples), dtype=np.float32)
    positions = np.arange(samples) * (rate_hz / sample_rate)
    values = np.interp(positions, np.arange(len(frames)), np.asarray(frames, dtype=np.float64)).astype(np.float32)
    return np.repeat(values[None, :], channels, axis=0)


def cross_attention_tokens(pack, embeddings, present):
    """One projected token per pack modality, in pack order; a modality the window lacks gets a zero token."""
    order = pack.manifest["conditioning"]["modalities"]
    gram_dim = pack.manifest["conditioning"]["gram_dim"]
    stacked = torch.zeros(1, len(order), gram_dim)
    for k, modality in enumerate(order):
        if modality in present:
            stacked[0, k] = torch.tensor(embeddings[modality])
    tokens = pack.projector(stacked)
    for k, modality in enumerate(order):
        if modality not in present:
            tokens[0, k] = 0.0
    return tokens


def guided_velocity(pack, tokens, uncond_tokens, control, seconds_start, seconds_total, cfg_scale):
    """The DiT + ControlNet with CFG as in stable-audio-tools' DiffusionTransformer.forward."""
    start = torch.tensor([seconds_start], dtype=torch.float32)
    total = torch.tensor([seconds_total], dtype=torch.float32)

    def velocity(x_in, t):
        if cfg_scale == 1.0:
            return pack.dit(x_in, t, tokens, start, total, control)
        both = pack.dit(torch.cat([x_in, x_in]), torch.cat([t, t]), torch.cat([tokens, uncond_tokens]),
                        torch.cat([start, start]), torch.cat([total, total]), torch.cat([control, control]))
        cond, uncond = both[:1], both[1:]
        return uncond + (cond - uncond) * cfg_scale

    return velocity


def run_case(pack, embeddings, case):
    sample_rate = pack.manifest["sample_rate"]
    channels = pack.manifest["audio_channels"]
    latent_channels = pack.manifest["latent"]["channels"]
    downsampling = pack.manifest["latent"]["downsampling"]
    window_frames = round(case["durationS"] * sample_rate)
    latent_frames = -(-window_frames // downsampling)
    samples = latent_frames * downsampling

    tokens = cross_attention_tokens(pack, embeddings, case["modalities"])
    uncond_tokens = torch.zeros_like(tokens)
    envelope = audio_rate_envelope(case["envelope"], case["envelopeRateHz"], samples, sample_rate, channels)
    control = pack.envelope_encoder(torch.from_numpy(envelope)[None])
    # the current contract: the window's start and the whole video's length, as the generator sends them
    seconds_start, seconds_total = case["startS"], case["videoDurationS"]
    velocity = guided_velocity(pack, tokens, uncond_tokens, control, seconds_start, seconds_total, case["cfgScale"])

    # proto floats: the schedule starts from the float32 values a job carries
    sigmas = get_sigmas_polyexponential(case["steps"], float(np.float32(case["sigmaMin"])),
                                        float(np.float32(case["sigmaMax"])), pack.manifest["sampler"]["rho"])
    noise = JavaGaussianNoise(window_seed(case["seed"], case["index"]))
    initial = noise.next(latent_channels * latent_frames)
    step_noise = []

    def noise_sampler():
        draw = noise.next(latent_channels * latent_frames)
        step_noise.append(draw)
        return torch.from_numpy(draw).double().reshape(1, latent_channels, latent_frames)

    latents = []
    x = torch.from_numpy(initial).double().reshape(1, latent_channels, latent_frames) * sigmas[0]
    # k-diffusion's callback sees the state before step i's update, i.e. after step i - 1
    record = lambda info: latents.append(info["x"].flatten().tolist()) if info["i"] > 0 else None
    final = sample(case["sampler"], VDenoiser(velocity), x, sigmas, noise_sampler, case["eta"], case["sNoise"],
                   record)
    latents.append(final.flatten().tolist())

    planar = pack.decoder(final.float())[0, :, :window_frames]
    audio = planar.transpose(0, 1).flatten().numpy()  # interleaved frames, as AudioWindow carries them
    result = dict(case, secondsStart=seconds_start, secondsTotal=seconds_total,
                  initialNoise=initial.tolist(), stepNoise=[draw.tolist() for draw in step_noise], latents=latents)
    return result, audio


def cases():
    """Each sampler, with CFG on and off, different modality subsets, an empty envelope, several seeds/windows."""
    pulses = [0.5, 0.02, 0.01, 0.35, 0.4, 0.02, 0.01, 0.01, 0.3, 0.05]
    window = {"index": 2, "startS": 6.0, "durationS": 2500 / 44100, "videoDurationS": 9.5,
              "envelopeRateHz": 44100 / 512, "envelope": pulses, "sigmaMin": 0.3, "sigmaMax": 500.0,
              "eta": 1.0, "sNoise": 1.0}
    return [
        dict(window, name="euler", sampler="euler", steps=4, cfgScale=3.0, seed=7, modalities=["video", "text"]),
        dict(window, name="dpmpp-2m", sampler="dpmpp-2m", steps=5, cfgScale=4.5, seed=11,
             modalities=["video", "text", "audio"]),
        dict(window, name="dpmpp-2m without CFG or envelope", sampler="dpmpp-2m", steps=3, cfgScale=1.0, seed=12,
             modalities=["text"], envelope=[], index=0, startS=0.0),
        dict(window, name="dpmpp-2m-sde", sampler="dpmpp-2m-sde", steps=5, cfgScale=3.0, seed=13,
             modalities=["video", "audio"]),
        dict(window, name="dpmpp-3m-sde", sampler="dpmpp-3m-sde", steps=6, cfgScale=7.0, seed=-5, index=5,
             modalities=["video", "text", "audio"]),
    ]


def main():
    rng = np.random.default_rng(20240612)
    pack = TinyPack()
    gram_dim = pack.manifest["conditioning"]["gram_dim"]
    embeddings = {modality: (rng.standard_normal(gram_dim) / math.sqrt(gram_dim)).astype(np.float32).tolist()
                  for modality in pack.manifest["conditioning"]["modalities"]}
    results, audio = [], []
    with torch.no_grad():
        for case in cases():
            result, decoded = run_case(pack, embeddings, case)
            results.append(result)
            audio.append(decoded)

    pack_sha256 = {name: hashlib.sha256((PACK_DIR / f"{name}.onnx").read_bytes()).hexdigest() for name in PACK_FILES}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "generator_parity.json").write_text(json.dumps(
        {"pack": "tiny", "packSha256": pack_sha256, "embeddings": embeddings, "cases": results}))
    np.save(OUT_DIR / "generator_parity_audio.npy", np.stack(audio).astype(np.float32))
    print("wrote", OUT_DIR, [r["name"] for r in results])


if __name__ == "__main__":
    main()
