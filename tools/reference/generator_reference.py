#!/usr/bin/python3
"""Per-step reference for io.foleystream.diffusion.WindowGenerator on the tiny pack, written once as test data.

It rebuilds the tiny pack's PyTorch modules with the weights make_tiny_pack.py exports (same code, same
seeds) and runs one window through the reference algorithm, the way stable-audio-tools / Stable-V2A do:
- the projector on the window's GRAM embeddings gives one cross-attention token per modality of the pack
  (an absent modality's token is zero); the unconditional CFG rows get zero tokens, or the negative prompt's
  projected text token (the other tokens zero);
- the envelope frames, linearly interpolated to the audio rate (one envelope copied to every channel, or one
  per channel), peak-normalised as the pack says (the envelope of audio / max|audio| is envelope / peak), or
  the pack's "no envelope" value when the window has none, go through the envelope encoder; the ControlNet
  gets the VAE posterior's mean or a sample mean + (softplus(scale) + 1e-4) * z (stable-audio-tools'
  vae_sample), as the pack says; both CFG halves see it, with the job's ControlNet scale;
- seconds_start / seconds_total are 0 and the chunk length, or the window's start and the video's length,
  as the pack says;
- the DiT + ControlNet predicts v; k-diffusion's VDenoiser (sigma_data 1) turns it into the denoised
  estimate; CFG runs cond and uncond as one doubled batch, uncond + (cond - uncond) * scale;
- the k-diffusion v0.1.1 samplers of diffusion_reference.py (float64 state, model I/O float32) walk the
  polyexponential schedule; every step's latent is recorded;
- the decoder turns the final latent into audio, trimmed to the window.

The noise is the product's: foley-core's GaussianNoise (java.util.SplittableRandom + Box-Muller) seeded from
(job seed, window index) as WindowNoise does: the sampler's stream (initial noise first, then one draw per SDE
step) and the envelope posterior's stream. It stands in for torch.randn and torchsde's Brownian tree (same
N(0, 1) marginals) and is written out with the rest, so a generator that seeds a window differently fails.

The conventions come from the tiny pack's pack.json; a case may override pack.json fields (the Java test
runs that case on a copy of the tiny pack with the same edits), so each convention's every value is covered. Every input, the noise, each step's latent (JSON) and the
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
ENVELOPE_STREAM = 0x5851F42D4C957F2D
VAE_MIN_DEVIATION = 1e-4


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


def window_noise(job_seed, index):
    """WindowNoise.of: the sampler's and the envelope posterior's streams of one window of a job."""
    seed = (job_seed * 0x9E3779B97F4A7C15 + index) & MASK_64
    return JavaGaussianNoise(seed), JavaGaussianNoise(seed ^ ENVELOPE_STREAM)


class TinyPack:
    """The tiny pack's generation modules in PyTorch, with pack.json's numbers and conventions."""

    def __init__(self, overrides):
        vocab_size = len(build_vocab())
        self.modules = {name: make_tiny_pack.seeded_model(name, vocab_size) for name in PACK_FILES}
        self.manifest = json.loads((PACK_DIR / "pack.json").read_text())
        for path, value in overrides.items():
            *parents, key = path.split(".")
            node = self.manifest
            for parent in parents:
                node = node[parent]
            node[key] = value

    def __getattr__(self, name):
        return self.modules[name]


def audio_rate_envelope(pack, case, samples):
    """The envelope as the encoder sees it: (channels, samples), under the pack's envelope conventions."""
    convention = pack.manifest["envelope"]
    channels = pack.manifest["audio_channels"]
    source_channels = max(1, case["envelopeChannels"])
    frames = np.asarray(case["envelope"], dtype=np.float64).reshape(source_channels, -1)
    if frames.shape[1] == 0:
        return np.full((channels, samples), convention["absent_value"], dtype=np.float32)
    assert source_channels == 1 or (convention["channels"] == "per-channel" and source_channels == channels)
    # linear between frames at each sample's time, held after the last frame
    positions = np.arange(samples) * (case["envelopeRateHz"] / pack.manifest["sample_rate"])
    values = np.stack([np.interp(positions, np.arange(frames.shape[1]), row) for row in frames])
    if convention["normalisation"] == "audio-peak" and case["audioPeak"] > 0:
        values = values / case["audioPeak"]
    return np.broadcast_to(values, (channels, samples)).astype(np.float32)


def envelope_latents(pack, envelope, noise):
    """The ControlNet's input: the VAE posterior's mean, or vae_sample's mean + (softplus(scale) + 1e-4) * z."""
    moments = pack.envelope_encoder(torch.from_numpy(envelope)[None])
    mean, scale = moments.chunk(2, dim=1)
    if pack.manifest["envelope"]["encoding"] == "mean":
        return mean, None
    z = noise.next(mean.numel())
    deviation = torch.nn.functional.softplus(scale) + VAE_MIN_DEVIATION
    return torch.from_numpy(z).reshape(mean.shape) * deviation + mean, z


def seconds(pack, case):
    """seconds_start / seconds_total: 0 and the chunk length as Stable-V2A trains, or the window in the video."""
    if pack.manifest["conditioning"]["seconds"] == "chunk":
        return 0.0, case["durationS"]
    return case["startS"], case["videoDurationS"]


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


def guided_velocity(pack, tokens, uncond_tokens, control, control_scale, seconds_start, seconds_total, cfg_scale):
    """The DiT + ControlNet with CFG as in stable-audio-tools' DiffusionTransformer.forward."""
    start = torch.tensor([seconds_start], dtype=torch.float32)
    total = torch.tensor([seconds_total], dtype=torch.float32)
    scale = torch.tensor([control_scale], dtype=torch.float32)

    def velocity(x_in, t):
        if cfg_scale == 1.0:
            return pack.dit(x_in, t, tokens, start, total, control, scale)
        both = pack.dit(torch.cat([x_in, x_in]), torch.cat([t, t]), torch.cat([tokens, uncond_tokens]),
                        torch.cat([start, start]), torch.cat([total, total]), torch.cat([control, control]),
                        torch.cat([scale, scale]))
        cond, uncond = both[:1], both[1:]
        return uncond + (cond - uncond) * cfg_scale

    return velocity


def generate_window(pack, embeddings, case):
    """One window through the reference algorithm; every stage's output. `pack` has `manifest` and the modules
    projector, envelope_encoder (audio-rate envelope -> VAE moments), dit and decoder."""
    sample_rate = pack.manifest["sample_rate"]
    channels = pack.manifest["audio_channels"]
    latent_channels = pack.manifest["latent"]["channels"]
    downsampling = pack.manifest["latent"]["downsampling"]
    window_frames = round(case["durationS"] * sample_rate)
    latent_frames = -(-window_frames // downsampling)
    samples = latent_frames * downsampling

    sampler_noise, envelope_noise = window_noise(case["seed"], case["index"])
    tokens = cross_attention_tokens(pack, embeddings, case["modalities"])
    negative = {"text": embeddings["negative"]} if case["negativePrompt"] else {}
    uncond_tokens = cross_attention_tokens(pack, negative, list(negative))
    envelope = audio_rate_envelope(pack, case, samples)
    control, posterior_noise = envelope_latents(pack, envelope, envelope_noise)
    seconds_start, seconds_total = seconds(pack, case)
    velocity = guided_velocity(pack, tokens, uncond_tokens, control, case["controlScale"], seconds_start,
                               seconds_total, case["cfgScale"])

    # proto floats: the schedule starts from the float32 values a job carries
    sigmas = get_sigmas_polyexponential(case["steps"], float(np.float32(case["sigmaMin"])),
                                        float(np.float32(case["sigmaMax"])), pack.manifest["sampler"]["rho"])
    initial = sampler_noise.next(latent_channels * latent_frames)
    step_noise = []

    def noise_sampler():
        draw = sampler_noise.next(latent_channels * latent_frames)
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
    return {"tokens": tokens, "envelopeLatents": control, "envelopeNoise": posterior_noise,
            "secondsStart": seconds_start, "secondsTotal": seconds_total, "initialNoise": initial,
            "stepNoise": step_noise, "latents": latents, "audio": audio}


def run_case(embeddings, case):
    window = generate_window(TinyPack(case["packOverrides"]), embeddings, case)
    posterior_noise = window["envelopeNoise"]
    result = dict(case, secondsStart=window["secondsStart"], secondsTotal=window["secondsTotal"],
                  envelopeNoise=None if posterior_noise is None else posterior_noise.tolist(),
                  initialNoise=window["initialNoise"].tolist(), stepNoise=[d.tolist() for d in window["stepNoise"]],
                  latents=window["latents"])
    return result, window["audio"]


def cases():
    """Each sampler with its options, CFG on and off, modality subsets, a negative prompt, ControlNet scales, and
    every value of each conditioning convention (the tiny pack's, then the other one through pack overrides)."""
    pulses = [0.5, 0.02, 0.01, 0.35, 0.4, 0.02, 0.01, 0.01, 0.3, 0.05]
    window = {"index": 2, "startS": 6.0, "durationS": 2500 / 44100, "videoDurationS": 9.5,
              "envelopeRateHz": 44100 / 512, "envelope": pulses, "envelopeChannels": 1, "audioPeak": 0.8,
              "sigmaMin": 0.3, "sigmaMax": 500.0, "eta": 1.0, "sNoise": 1.0, "controlScale": 1.0,
              "negativePrompt": False, "packOverrides": {}}
    # a per-channel envelope is Stable-V2A's: the pack refuses it with a librosa preset
    other_conventions = {"conditioning.seconds": "video", "envelope.channels": "per-channel",
                         "envelope.preset": "stable-v2a", "envelope.normalisation": "none", "envelope.encoding": "mean",
                         "envelope.absent_value": 0.0}
    return [
        dict(window, name="euler", sampler="euler", steps=4, cfgScale=3.0, seed=7, modalities=["video", "text"]),
        dict(window, name="dpmpp-2m, negative prompt, control scale 0.5", sampler="dpmpp-2m", steps=5,
             cfgScale=4.5, seed=11, modalities=["video", "text", "audio"], negativePrompt=True, controlScale=0.5),
        dict(window, name="dpmpp-2m without CFG or envelope", sampler="dpmpp-2m", steps=3, cfgScale=1.0, seed=12,
             modalities=["text"], envelope=[], index=0, startS=0.0),
        dict(window, name="dpmpp-2m-sde, envelope from video", sampler="dpmpp-2m-sde", steps=5, cfgScale=3.0,
             seed=13, modalities=["video", "audio"], audioPeak=0.0),
        dict(window, name="dpmpp-2m-sde eta 0.6 s_noise 1.2, negative prompt, control off", sampler="dpmpp-2m-sde",
             steps=5, cfgScale=3.0, seed=14, modalities=["video", "text"], eta=0.6, sNoise=1.2,
             negativePrompt=True, controlScale=0.0),
        dict(window, name="dpmpp-3m-sde", sampler="dpmpp-3m-sde", steps=6, cfgScale=7.0, seed=-5, index=5,
             modalities=["video", "text", "audio"]),
        dict(window, name="dpmpp-3m-sde eta 0.5 s_noise 0.8, control scale 1.5", sampler="dpmpp-3m-sde", steps=6,
             cfgScale=7.0, seed=15, modalities=["video", "text"], eta=0.5, sNoise=0.8, controlScale=1.5),
        dict(window, name="dpmpp-2m-sde, other conventions, stereo envelope", sampler="dpmpp-2m-sde", steps=4,
             cfgScale=3.0, seed=16, modalities=["video", "text", "audio"], packOverrides=other_conventions,
             envelope=pulses + [0.9 * v for v in reversed(pulses)], envelopeChannels=2),
        dict(window, name="euler, other conventions, no envelope", sampler="euler", steps=3, cfgScale=3.0, seed=17,
             modalities=["video"], packOverrides=other_conventions, envelope=[]),
    ]


def main():
    rng = np.random.default_rng(20240612)
    manifest = json.loads((PACK_DIR / "pack.json").read_text())
    gram_dim = manifest["conditioning"]["gram_dim"]
    # one embedding per modality of the pack, and the negative prompt's (a text embedding)
    embeddings = {name: (rng.standard_normal(gram_dim) / math.sqrt(gram_dim)).astype(np.float32).tolist()
                  for name in manifest["conditioning"]["modalities"] + ["negative"]}
    results, audio = [], []
    with torch.no_grad():
        for case in cases():
            result, decoded = run_case(embeddings, case)
            results.append(result)
            audio.append(decoded)

    # what the reference was made from: the weights and the conventions
    pack_sha256 = {file: hashlib.sha256((PACK_DIR / file).read_bytes()).hexdigest()
                   for file in ["pack.json"] + [f"{name}.onnx" for name in PACK_FILES]}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "generator_parity.json").write_text(json.dumps(
        {"pack": "tiny", "packSha256": pack_sha256, "embeddings": embeddings, "cases": results}))
    np.save(OUT_DIR / "generator_parity_audio.npy", np.stack(audio).astype(np.float32))
    print("wrote", OUT_DIR, [r["name"] for r in results])


if __name__ == "__main__":
    main()
