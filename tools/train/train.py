#!/usr/bin/python3
"""Trains Foley-mini end to end on the procedural world and exports it as a FoleyStream pack (issue 8).

    /usr/bin/python3 tools/train/train.py --work target/foley-mini-work --out models/foley-mini
    /usr/bin/python3 tools/train/train.py --smoke            # every stage for a few steps, pack in a temp dir

Stages, each finished once and recorded as <work>/<stage>.done.json (a rerun skips it), each resumable from
<work>/<stage>.ckpt (written atomically every --checkpoint-seconds and at the end):
  world        make_world.py train and val shards (<work>/world)
  gram         GRAM video/text/audio encoders (foleygram.gram) with the GRAM volume contrastive loss
  autoencoder  the Oobleck VAE: multi-resolution STFT + L1 reconstruction and a small KL
  decoder      the pack's wider decoder, refit on the frozen encoder's latents (multi-resolution STFT + L1)
  dit          DiT + envelope ControlNet + GRAM projections, v-objective, logit-normal t, CFG and envelope dropout
  picture      the ControlNet fine-tuned, DiT and projections frozen, to also read envelopes from the picture: the
               envelope envelope-service reads from each clip's motion (VideoEnvelope, through the bench's
               WorldPictureEnvelopes; needs `./mvnw -B -q -pl bench -am package -DskipTests` first) as the
               generator scales it, so that the GRAM tokens, not the envelope's decay, decide the material
  export       upstream-layout checkpoints -> tools/export/export_foleygram.py -> the pack, and its check
A batch is drawn from a generator seeded by (stage, step), so a resumed stage sees the batches it would have seen.
Runs on Debian's python3-torch with --threads (2) CPU threads.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchaudio
from torch.nn import functional as F

TRAIN_DIR = os.path.dirname(os.path.abspath(__file__))
TOOLS_DIR = os.path.dirname(TRAIN_DIR)
REPO_DIR = os.path.dirname(TOOLS_DIR)
sys.path[:0] = [TRAIN_DIR, TOOLS_DIR, os.path.join(TOOLS_DIR, "export")]
import export_foleygram  # noqa: E402
import world  # noqa: E402
from foleygram import config  # noqa: E402
from make_tiny_pack import tokenizer_json  # noqa: E402
from packlib import BEATS_FBANK_MEAN, BEATS_FBANK_STD, CLIP_MEAN, CLIP_STD, write_json  # noqa: E402
from tiny_vocab import build_vocab  # noqa: E402

STAGES = ("world", "gram", "autoencoder", "decoder", "dit", "picture", "export")
# Each stage's random stream, fixed when the stage was added, so a later stage leaves the earlier ones reproducible.
STAGE_SEEDS = {"world": 0, "gram": 1, "autoencoder": 2, "dit": 3, "export": 4, "decoder": 5, "picture": 6}
MODALITIES = ("video", "text", "audio")
TEXT_LENGTH = 40
PAD, UNK, CLS, SEP = 0, 100, 101, 102

# The run's sizes. Smoke: every stage for a handful of steps on a few clips. Full: sized from the smoke's per-step
# times for about 2-3 h on two cores (README: "Planned full run").
PROFILES = {
    "full": dict(train_clips=4096, val_clips=192, gram_steps=1000, gram_batch=32, ae_steps=5000, ae_batch=8,
                 decoder_steps=4000, dit_steps=6000, dit_batch=32, picture_steps=1500, eval_clips=12),
    "smoke": dict(train_clips=24, val_clips=12, gram_steps=4, gram_batch=8, ae_steps=4, ae_batch=4, decoder_steps=4,
                  dit_steps=6, dit_batch=8, picture_steps=4, eval_clips=2),
}

# The pack's geometry (all the pack's choice, declared in pack.json): 16 kHz mono, 2 s windows, 640 samples per
# latent frame (25 frames/s, 50 per window), as the world's default clips are rendered.
SAMPLE_RATE = 16000
WINDOW_SECONDS = 2.0
OVERLAP_SECONDS = 0.25
FRAMES_PER_WINDOW = 4
MEL_BINS, FBANK_FRAMES = 64, 256  # a 2 s window is 198 fbank frames; one 256-frame slice holds it
ENVELOPE_FRAME, ENVELOPE_HOP = 512, 128  # librosa-rms at 16 kHz: 32 ms frames every 8 ms
FAINTEST_STRIKE = 1e-3  # VideoEnvelope.FAINTEST_STRIKE: a picture envelope below it holds no strike
ABSENT_VALUE = -1.0  # the envelope the ControlNet sees for "no envelope" (pack.json envelope.absent_value)
SAMPLER = dict(type="dpmpp-2m", steps=10, cfg_scale=3.0, sigma_min=0.03, sigma_max=80.0, rho=1.0)


def mini_sao_config():
    """model_config.json of the generator in Stable Audio Open's layout, at Foley-mini's width."""
    strides, c_mults, latent = [2, 4, 8, 10], [1, 2, 4, 8], 16
    oobleck = {"c_mults": c_mults, "strides": strides, "use_snake": True}
    return {
        "model_type": "diffusion_cond", "sample_size": int(WINDOW_SECONDS * SAMPLE_RATE),
        "sample_rate": SAMPLE_RATE, "audio_channels": 1,
        "model": {
            "pretransform": {"type": "autoencoder", "iterate_batch": True, "config": {
                "encoder": {"type": "oobleck", "config": dict(oobleck, channels=16, in_channels=1,
                                                               latent_dim=2 * latent)},
                # twice the encoder's width: decoding runs once per window, and at the encoder's width the
                # reconstructions lost the upper modal partials that tell ceramic from glass (tools/train/README.md)
                # tanh keeps every decoded sample inside [-1, 1] (SAO has none; its outputs are limited afterwards)
                "decoder": {"type": "oobleck", "config": dict(oobleck, channels=32, out_channels=1,
                                                               latent_dim=latent, final_tanh=True)},
                "bottleneck": {"type": "vae"}, "latent_dim": latent, "downsampling_ratio": math.prod(strides),
                "io_channels": 1}},
            "conditioning": {"configs": [
                {"id": "seconds_start", "type": "number", "config": {"min_val": 0, "max_val": 512}},
                {"id": "seconds_total", "type": "number", "config": {"min_val": 0, "max_val": 512}}],
                "cond_dim": 64},
            # SAO's 64-wide heads: 2 query heads over a 128-wide DiT and 2 kv heads over the 128-wide tokens
            "diffusion": {"cross_attention_cond_ids": ["seconds_start", "seconds_total"],
                          "global_cond_ids": ["seconds_start", "seconds_total"], "type": "dit", "config": {
                              "io_channels": latent, "embed_dim": 128, "depth": 8, "num_heads": 2,
                              "cond_token_dim": 128, "global_cond_dim": 128, "project_cond_tokens": False,
                              "transformer_type": "continuous_transformer"}},
            "io_channels": latent},
    }


def mini_dimensions(vocab):
    dims = config.sao_dimensions(mini_sao_config())
    # Stable-V2A's 0.2 depth factor would leave one block of 8; three give the envelope room to steer.
    dims.update(controlnet_depth=3, seconds_tokens=False, modalities=list(MODALITIES), gram={
        "contra_dim": 128,
        "vision": {"image_size": 64, "patch": 8, "width": 128, "depth": 3, "heads": 2, "mlp_hidden": 512,
                   "clip_dim": 64},
        "text": {"vocab": vocab, "hidden": 128, "layers": 2, "heads": 2, "inner": 512, "max_positions": 64,
                 "type_vocab": 2},
        "audio": {"patch": 16, "patch_dim": 64, "width": 128, "layers": 3, "heads": 2, "ffn": 512, "conv_pos": 16,
                  "conv_pos_groups": 4, "num_buckets": 32, "max_distance": 64, "conv_bias": False},
    })
    return dims


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints and stage records


def save_atomic(state, path):
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def done_path(work, stage):
    return os.path.join(work, f"{stage}.done.json")


def read_done(work, stage):
    path = done_path(work, stage)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def mark_done(work, stage, record):
    write_json(done_path(work, stage) + ".tmp", record)
    os.replace(done_path(work, stage) + ".tmp", done_path(work, stage))


class Trainer:
    """Steps a stage from its checkpoint to `steps`, saving every `every_s` seconds and at the end."""

    def __init__(self, work, stage, modules, optimizer, steps, lr, every_s, warmup=0.05, ema=None):
        self.path = os.path.join(work, f"{stage}.ckpt")
        self.stage, self.modules, self.optimizer, self.steps, self.lr = stage, modules, optimizer, steps, lr
        self.every_s, self.warmup, self.ema = every_s, max(1, int(warmup * steps)), ema
        self.step, self.elapsed, self.losses = 0, 0.0, []
        if os.path.exists(self.path):
            state = torch.load(self.path, map_location="cpu")
            for name, module in modules.items():
                module.load_state_dict(state["modules"][name])
            optimizer.load_state_dict(state["optimizer"])
            if ema is not None:
                ema.load_state_dict(state["ema"])
            self.step, self.elapsed, self.losses = state["step"], state["elapsed"], state["losses"]
            print(f"{stage}: resuming at step {self.step}/{steps}", flush=True)

    def save(self):
        save_atomic({"modules": {name: m.state_dict() for name, m in self.modules.items()},
                     "optimizer": self.optimizer.state_dict(), "ema": self.ema.state_dict() if self.ema else None,
                     "step": self.step, "elapsed": self.elapsed, "losses": self.losses}, self.path)

    def learning_rate(self):
        """Linear warm-up, then cosine decay to a tenth."""
        if self.step < self.warmup:
            return self.lr * (self.step + 1) / self.warmup
        progress = (self.step - self.warmup) / max(1, self.steps - self.warmup)
        return self.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))

    def run(self, loss_of_step, clip_norm):
        """Calls loss_of_step(step, generator) -> (loss tensor, {metric: float}) until `steps`."""
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        last_save = time.time()
        started = time.time() - self.elapsed
        while self.step < self.steps:
            generator = torch.Generator().manual_seed(STAGE_SEEDS[self.stage] * 10 ** 9 + self.step)
            for group in self.optimizer.param_groups:
                group["lr"] = self.learning_rate()
            loss, metrics = loss_of_step(self.step, generator)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, clip_norm)
            self.optimizer.step()
            if self.ema is not None:
                self.ema.update(self.step)
            self.step += 1
            self.losses.append(float(loss))
            self.elapsed = time.time() - started
            if self.step % max(1, self.steps // 50) == 0 or self.step == self.steps:
                window = self.losses[-max(1, self.steps // 50):]
                extra = " ".join(f"{k} {v:.4f}" for k, v in metrics.items())
                print(f"{self.stage} {self.step}/{self.steps}: loss {np.mean(window):.4f} {extra} "
                      f"({self.elapsed / self.step:.2f} s/step, {self.elapsed:.0f} s)", flush=True)
            if time.time() - last_save > self.every_s or self.step == self.steps:
                self.save()
                last_save = time.time()
        return {"steps": self.steps, "train_seconds": round(self.elapsed, 1),
                "seconds_per_step": round(self.elapsed / max(1, self.steps), 3),
                "final_loss": float(np.mean(self.losses[-max(1, self.steps // 20):]))}


class Ema:
    """Exponential moving average of parameters (stable-audio-tools trains SAO with use_ema)."""

    def __init__(self, modules, decay):
        self.params = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.params]
        self.decay = decay

    def update(self, step):
        decay = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for shadow, param in zip(self.shadow, self.params):
                shadow.mul_(decay).add_(param.detach(), alpha=1 - decay)

    def copy_to_params(self):
        with torch.no_grad():
            for shadow, param in zip(self.shadow, self.params):
                param.copy_(shadow)

    def state_dict(self):
        return {"shadow": self.shadow}

    def load_state_dict(self, state):
        self.shadow = [t.clone() for t in state["shadow"]]


# ---------------------------------------------------------------------------------------------------------------
# Data: the world's shards, the tokenizer, and the encoders' inputs as the Java pipeline prepares them


def load_split(work, split):
    with open(os.path.join(work, "world", f"{split}.json"), encoding="utf-8") as f:
        index = json.load(f)
    parts = {"frames": [], "audio": [], "caption": [], "material": [], "action": []}
    for shard in index["shards"]:
        with np.load(os.path.join(work, "world", shard["file"])) as data:
            for key in parts:
                parts[key].append(data[key])
    out = {key: np.concatenate(value) for key, value in parts.items()}
    out["caption"] = [str(c) for c in out["caption"]]
    out["audio"] = torch.from_numpy(out["audio"].astype(np.float32))
    return out


def caption_words():
    """Every word the world's captions can use."""
    phrases = [p for table in (world._PHRASES, world._WATER_PHRASES) for ps in table.values() for p in ps]
    nouns = [n for ns in world._NOUNS.values() for n in ns]
    text = " ".join(phrases + nouns + list(world.OBJECTS) + ["drumstick"]).replace("{obj}", " ").replace("{noun}", " ")
    return sorted(set(basic_tokens(text)))


def basic_tokens(text):
    """BertNormalizer (lowercase) + BertPreTokenizer: words and single punctuation marks."""
    return re.findall(r"\w+|[^\w\s]", text.lower())


def build_tokenizer_vocab():
    """The tiny pack's BERT WordPiece vocabulary plus any caption word it lacks as a whole token."""
    vocab = build_vocab()
    known = set(vocab)
    return vocab + [word for word in caption_words() if word not in known]


def wordpiece(text, index, max_length=TEXT_LENGTH):
    """HuggingFace BERT WordPiece (greedy longest match, ## continuations), [CLS] A [SEP], padded to max_length."""
    ids = [CLS]
    for word in basic_tokens(text):
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start and (word[start:end] if start == 0 else "##" + word[start:end]) not in index:
                end -= 1
            if end == start:
                pieces = [UNK]
                break
            pieces.append(index[word[start:end] if start == 0 else "##" + word[start:end]])
            start = end
        ids += pieces
    ids = ids[:max_length - 1] + [SEP]
    mask = [1] * len(ids) + [0] * (max_length - len(ids))
    return ids + [PAD] * (max_length - len(ids)), mask


def tokenize_all(captions, vocab):
    index = {token: i for i, token in enumerate(vocab)}
    ids, masks = zip(*(wordpiece(c, index) for c in captions))
    return torch.tensor(ids), torch.tensor(masks)


def fbank_slices(audio):
    """GRAM's BEATs input per clip (model-facts 1.6): Kaldi fbank of the mono 16 kHz audio * 2^15, BEATs
    normalisation, zero-padded along time as GRAM pads, the middle FBANK_FRAMES slice."""
    out = []
    for clip in audio:
        fbank = torchaudio.compliance.kaldi.fbank(clip.mean(0, keepdim=True) * 2 ** 15, num_mel_bins=MEL_BINS,
                                                  sample_frequency=SAMPLE_RATE, frame_length=25, frame_shift=10)
        fbank = (fbank - BEATS_FBANK_MEAN) / (2 * BEATS_FBANK_STD)
        length = fbank.shape[0]
        pad = max(FBANK_FRAMES * math.ceil(length / FBANK_FRAMES) - length, FBANK_FRAMES - length % FBANK_FRAMES)
        fbank = F.pad(fbank, (0, 0, 0, pad))
        slices = fbank.shape[0] // FBANK_FRAMES
        middle = (slices + 1) // 2 - 1
        out.append(fbank[middle * FBANK_FRAMES:(middle + 1) * FBANK_FRAMES])
    return torch.stack(out)


def frame_choice(count, generator=None):
    """GRAM's sampling: split the frames into FRAMES_PER_WINDOW runs; a random frame of each (training) or the
    middle one (evaluation, as the Java pipeline takes)."""
    runs = np.array_split(np.arange(count), FRAMES_PER_WINDOW)
    if generator is None:
        return [int(run[(len(run) + 1) // 2 - 1]) for run in runs]
    return [int(run[torch.randint(len(run), (1,), generator=generator)]) for run in runs]


def pixels(frames, image_size):
    """uint8 (B, F, H, W, 3) -> CLIP-normalised (B*F, 3, size, size), squashed to the encoder's size."""
    x = torch.from_numpy(frames).float().div(255).flatten(0, 1).permute(0, 3, 1, 2)
    if x.shape[-1] != image_size or x.shape[-2] != image_size:
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False, antialias=True)
    return (x - torch.tensor(CLIP_MEAN)[:, None, None]) / torch.tensor(CLIP_STD)[:, None, None]


def embed_video(encoder, frames, image_size):
    """GRAM's video embedding: the mean of the per-frame embeddings, L2-normalised."""
    per_frame = encoder(pixels(frames, image_size))
    return F.normalize(per_frame.reshape(frames.shape[0], frames.shape[1], -1).mean(1), dim=-1)


def librosa_rms(audio, frame_length=ENVELOPE_FRAME, hop_length=ENVELOPE_HOP):
    """librosa.feature.rms with center=True and constant (zero) padding: (B, C, N) -> (B, C, 1 + N // hop)."""
    padded = F.pad(audio, (frame_length // 2, frame_length // 2))
    frames = padded.unfold(-1, frame_length, hop_length)
    return frames.square().mean(-1).sqrt()


def audio_rate_envelope(audio, samples):
    """The pack's envelope as the generator feeds it to the envelope encoder: the librosa-rms envelope of the
    window's audio divided by its peak ("audio-peak"), one channel per audio channel of the mono mix ("mono"),
    linear between frames (frame i at sample i * hop) and held after the last one."""
    mono = audio.mean(1, keepdim=True)
    peak = audio.abs().amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)
    return at_audio_rate(librosa_rms(mono / peak), samples).expand(-1, audio.shape[1], -1).contiguous()


def at_audio_rate(frames, samples):
    """Envelope frames (frame i at sample i * hop) to samples, linear between frames and held after the last, as
    WindowGenerator feeds an envelope to the envelope encoder."""
    position = torch.arange(samples, dtype=torch.float64) / ENVELOPE_HOP
    left = position.floor().long().clamp(max=frames.shape[-1] - 1)
    right = (left + 1).clamp(max=frames.shape[-1] - 1)
    frac = (position - left).clamp(max=1).float()
    return frames[..., left] * (1 - frac) + frames[..., right] * frac


def picture_rate_envelope(values, samples, peak):
    """An envelope read from the picture as the generator feeds it (pack.json envelope.picture_coding
    "absent-offset"): each window's values scaled so that their peak is the pack's picture peak (a window below
    FAINTEST_STRIKE scaled as if it peaked there), added to the absent value, then at audio rate. A picture with no
    motion is so "no envelope", and no picture envelope looks like a sound's, which is never negative."""
    gain = peak / values.amax(-1, keepdim=True).clamp_min(FAINTEST_STRIKE)
    return at_audio_rate(ABSENT_VALUE + values * gain, samples)[:, None, :]


def picture_peak(work):
    """The median window peak of the training envelopes (one 2 s clip is one window), rounded to 3 decimals: what
    the generator scales an envelope read from the picture to (pack.json envelope.picture_peak)."""
    audio = load_split(work, "train")["audio"]
    peaks = torch.cat([audio_rate_envelope(audio[i:i + 256], audio.shape[-1]).amax(dim=(1, 2))
                       for i in range(0, len(audio), 256)])
    return round(float(peaks.median()), 3)


def vae_sample(moments, generator):
    """stable-audio-tools' vae_sample: mean + (softplus(scale) + 1e-4) * N(0, 1)."""
    mean, scale = moments.chunk(2, dim=1)
    std = F.softplus(scale) + 1e-4
    return mean + std * torch.randn(mean.shape, generator=generator), mean, std


# ---------------------------------------------------------------------------------------------------------------
# Stage 1: the world


def stage_world(args, work, profile):
    started = time.time()
    for split, count in (("train", profile["train_clips"]), ("val", profile["val_clips"])):
        subprocess.run([sys.executable, os.path.join(TRAIN_DIR, "make_world.py"), "--out",
                        os.path.join(work, "world"), "--split", split, "--count", str(count),
                        "--duration", str(WINDOW_SECONDS), "--sample-rate", str(SAMPLE_RATE), "--channels", "1",
                        "--fps", "8", "--size", "64", "--shard-size", "64"], check=True)
    return {"train_clips": profile["train_clips"], "val_clips": profile["val_clips"],
            "seconds": round(time.time() - started, 1)}


# ---------------------------------------------------------------------------------------------------------------
# Stage 2: GRAM encoders with the volume contrastive loss


def volume_matrix(text, video, audio):
    """GRAM's volume (model-facts 1.1): row i = text i, column j = (video j, audio j), all L2-normalised."""
    tv, ta = text @ video.T, text @ audio.T
    va = (video * audio).sum(-1)[None, :]
    det = 1 + 2 * tv * ta * va - tv ** 2 - ta ** 2 - va ** 2
    return det.abs().clamp_min(1e-8).sqrt()  # the floor keeps the gradient finite at a zero volume


def contrastive(logits):
    """Cross-entropy both ways over a batch's logits (row i, column i the positive), label smoothing 0.1."""
    targets = torch.arange(len(logits))
    return (F.cross_entropy(logits, targets, label_smoothing=0.1)
            + F.cross_entropy(logits.T, targets, label_smoothing=0.1)) / 2


def gram_models(dims):
    gram = dims["gram"]
    return {"video": config.video_encoder(gram), "text": config.text_encoder(gram),
            "audio": config.audio_encoder(gram)}


def gram_embeddings(models, dims, frames, ids, masks, fbank):
    return (embed_video(models["video"], frames, dims["gram"]["vision"]["image_size"]),
            F.normalize(models["text"](ids, masks), dim=-1), F.normalize(models["audio"](fbank), dim=-1))


def stage_gram(args, work, profile, dims, vocab):
    train, val = load_split(work, "train"), load_split(work, "val")
    data = {}
    for name, split in (("train", train), ("val", val)):
        ids, masks = tokenize_all(split["caption"], vocab)
        data[name] = dict(frames=split["frames"], ids=ids, masks=masks, fbank=fbank_slices(split["audio"]))
    torch.manual_seed(1)
    models = gram_models(dims)
    temperature = torch.nn.Parameter(torch.tensor(0.07))  # GRAM's contra_temp, learnable
    params = [p for m in models.values() for p in m.parameters()] + [temperature]
    optimizer = torch.optim.AdamW(params, lr=args.gram_lr, betas=(0.9, 0.98), weight_decay=0.01)
    modules = dict(models, temperature=torch.nn.ParameterList([temperature]))
    trainer = Trainer(work, "gram", modules, optimizer, profile["gram_steps"], args.gram_lr, args.checkpoint_seconds,
                      warmup=0.1)
    d, n = data["train"], len(data["train"]["ids"])
    batch = min(profile["gram_batch"], n)

    def step(_, generator):
        idx = torch.randperm(n, generator=generator)[:batch].numpy()
        frames = d["frames"][idx][:, frame_choice(d["frames"].shape[1], generator)]
        t, v, a = gram_embeddings(models, dims, frames, d["ids"][idx], d["masks"][idx], d["fbank"][idx])
        tau = temperature.clamp_min(0.01)
        loss = contrastive(-volume_matrix(t, v, a) / tau)
        # The volume alone cannot train these towers from scratch (GRAM starts from aligned, pretrained ones): it is
        # unchanged when any embedding flips sign, so nothing makes a caption's embedding point towards its clip's,
        # and an audio embedding orthogonal to the text-video plane is a stationary point (the volume's gradient
        # with respect to it vanishes there), which the audio tower falls into: its output collapses to one vector
        # while the loss becomes a text-video one. Cosine InfoNCE from the text anchor to each modality fixes the
        # sign and keeps a gradient on the audio tower.
        if args.gram_pair_weight:
            loss = loss + args.gram_pair_weight * (contrastive(t @ a.T / tau) + contrastive(t @ v.T / tau)) / 2
        return loss, {"temp": float(temperature)}

    for m in models.values():
        m.train()
    record = trainer.run(step, clip_norm=2.0)
    record.update(gram_validation(models, dims, data["val"], val["material"]))
    return record


@torch.no_grad()
def gram_validation(models, dims, d, materials):
    """Text -> (video, audio) top-1 by volume over the val split, and material accuracy of nearest-caption
    retrieval per modality (the caption's material is the label)."""
    for m in models.values():
        m.eval()
    frames = d["frames"][:, frame_choice(d["frames"].shape[1])]
    t, v, a = gram_embeddings(models, dims, frames, d["ids"], d["masks"], d["fbank"])
    n = len(t)
    retrieval = float((volume_matrix(t, v, a).argmin(1) == torch.arange(n)).float().mean())
    material = torch.from_numpy(materials.astype(np.int64))
    out = {"val_text_to_video_audio_top1": round(retrieval, 3), "val_clips": n}
    for name, e in (("video", v), ("audio", a)):
        nearest = (e @ t.T).argmax(1)
        out[f"val_{name}_material_via_caption"] = round(float((material[nearest] == material).float().mean()), 3)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Stage 3: the Oobleck VAE


def stft_loss(y, x, sizes=(1024, 512, 256, 128, 64)):
    """Multi-resolution STFT loss: spectral convergence + log-magnitude L1, averaged over the FFT sizes."""
    total = 0.0
    for n_fft in sizes:
        window = torch.hann_window(n_fft)
        spec = [torch.stft(s.flatten(0, 1), n_fft, n_fft // 4, window=window, return_complex=True).abs()
                for s in (y, x)]
        converge = torch.linalg.norm(spec[0] - spec[1]) / torch.linalg.norm(spec[1]).clamp_min(1e-7)
        log_l1 = (spec[0].clamp_min(1e-5).log() - spec[1].clamp_min(1e-5).log()).abs().mean()
        total = total + converge + log_l1
    return total / len(sizes)


def training_decoder(dims):
    """The decoder the autoencoder stage trains beside the encoder, at the encoder's width. The pack's decoder is
    refit afterwards on the frozen encoder (stage_decoder)."""
    return config.oobleck_decoder(dict(dims["decoder"], channels=dims["encoder"]["channels"]))


def random_crops(audio, crop, batch, generator):
    idx = torch.randint(audio.shape[0], (batch,), generator=generator)
    starts = torch.randint(audio.shape[-1] - crop + 1, (batch,), generator=generator)
    return torch.stack([audio[i, :, s:s + crop] for i, s in zip(idx.tolist(), starts.tolist())])


def reconstruction_record(encoder, decoder, val):
    with torch.no_grad():
        recon = decoder(encoder(val).chunk(2, dim=1)[0])
        return {"val_stft_loss": round(float(stft_loss(recon, val)), 4),
                "val_l1": round(float((recon - val).abs().mean()), 5),
                "val_snr_db": round(float(10 * torch.log10(val.square().sum() / (recon - val).square().sum())), 2)}


def stage_autoencoder(args, work, profile, dims):
    audio = load_split(work, "train")["audio"]
    torch.manual_seed(2)
    encoder, decoder = config.oobleck_encoder(dims["encoder"]), training_decoder(dims)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.ae_lr, betas=(0.8, 0.99), weight_decay=1e-3)
    trainer = Trainer(work, "autoencoder", {"encoder": encoder, "decoder": decoder}, optimizer, profile["ae_steps"],
                      args.ae_lr, args.checkpoint_seconds)
    crop = min(audio.shape[-1] // dims["downsampling"], args.ae_crop_frames) * dims["downsampling"]
    batch = min(profile["ae_batch"], audio.shape[0])

    def step(_, generator):
        x = random_crops(audio, crop, batch, generator)
        z, mean, std = vae_sample(encoder(x), generator)
        y = decoder(z)
        kl = (mean.square() + std.square() - 2 * std.log() - 1).sum(1).mean()
        spectral, l1 = stft_loss(y, x), (y - x).abs().mean()
        return spectral + args.ae_l1 * l1 + args.ae_kl * kl, {"stft": float(spectral), "l1": float(l1),
                                                              "kl": float(kl)}

    record = trainer.run(step, clip_norm=1.0)
    with torch.no_grad():
        latent = torch.cat([encoder(audio[i:i + 32]).chunk(2, dim=1)[0]
                            for i in range(0, min(audio.shape[0], 256), 32)])
        scale = float(latent.std())
        fold_latent_scale(encoder, decoder, scale)
        val = load_split(work, "val")["audio"][:16]
        record.update(latent_std_before_fold=round(scale, 4),
                      latent_std_after_fold=round(float(encoder(val).chunk(2, dim=1)[0].std()), 4))
    record.update(reconstruction_record(encoder, decoder, val))
    save_atomic({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()},
                os.path.join(work, "autoencoder.pt"))
    return record


def stage_decoder(args, work, profile, dims):
    """Refits the pack's (wider) decoder from scratch on latents sampled from the frozen encoder's posterior. The
    encoder alone fixes the latent space that the DiT and the ControlNet's envelope encoder learn, so the decoder
    can grow without retraining either."""
    audio = load_split(work, "train")["audio"]
    encoder = load_encoder(work, dims)
    torch.manual_seed(5)
    decoder = config.oobleck_decoder(dims["decoder"])
    optimizer = torch.optim.AdamW(decoder.parameters(), lr=args.ae_lr, betas=(0.8, 0.99), weight_decay=1e-3)
    trainer = Trainer(work, "decoder", {"decoder": decoder}, optimizer, profile["decoder_steps"], args.ae_lr,
                      args.checkpoint_seconds)
    crop = min(audio.shape[-1] // dims["downsampling"], args.ae_crop_frames) * dims["downsampling"]
    batch = min(profile["ae_batch"], audio.shape[0])

    def step(_, generator):
        x = random_crops(audio, crop, batch, generator)
        with torch.no_grad():
            z, _, _ = vae_sample(encoder(x), generator)
        y = decoder(z)
        # 2048 adds the frequency resolution (8 Hz) that separates neighbouring modal partials
        spectral, l1 = stft_loss(y, x, sizes=(2048, 1024, 512, 256, 128, 64)), (y - x).abs().mean()
        return spectral + args.ae_l1 * l1, {"stft": float(spectral), "l1": float(l1)}

    record = trainer.run(step, clip_norm=1.0)
    record.update(reconstruction_record(encoder, decoder.eval(), load_split(work, "val")["audio"][:16]))
    save_atomic({"decoder": decoder.state_dict()}, os.path.join(work, "decoder.pt"))
    return record


def fold_latent_scale(encoder, decoder, scale):
    """Scales the latent space to unit standard deviation inside the weights (the pack has no latent scale and the
    sampler assumes sigma_data 1): the encoder's mean channels divide by `scale`, the decoder's first convolution
    multiplies its input by it (exact). The posterior's deviation softplus(s) + 1e-4 is divided by shifting s by
    -log(scale), exact where softplus(s) ~ exp(s), i.e. for the narrow posteriors a small KL weight leaves."""
    latent = decoder.layers[0].weight_v.shape[1]
    last = encoder.layers[-1]
    with torch.no_grad():
        last.weight_g[:latent] /= scale
        last.bias[:latent] /= scale
        last.bias[latent:] -= math.log(scale)
        decoder.layers[0].weight_g *= scale


# ---------------------------------------------------------------------------------------------------------------
# Stage 4: DiT + ControlNet + projections


def load_encoder(work, dims):
    encoder = config.oobleck_encoder(dims["encoder"])
    encoder.load_state_dict(torch.load(os.path.join(work, "autoencoder.pt"), map_location="cpu")["encoder"])
    return encoder.eval()


def load_autoencoder(work, dims):
    """The encoder and the pack's decoder, as the pack holds them."""
    decoder = config.oobleck_decoder(dims["decoder"])
    decoder.load_state_dict(torch.load(os.path.join(work, "decoder.pt"), map_location="cpu")["decoder"])
    return load_encoder(work, dims), decoder.eval()


def load_gram(work, dims):
    state = torch.load(os.path.join(work, "gram.ckpt"), map_location="cpu")["modules"]
    models = gram_models(dims)
    for name, model in models.items():
        model.load_state_dict(state[name])
        model.eval()
    return models


@torch.no_grad()
def conditioning_cache(work, dims, vocab, split):
    """Per clip, with the frozen encoders: the audio's VAE moments, the envelope's moments (the ControlNet's
    frozen copy of the VAE encoder) and the three GRAM embeddings as the Java pipeline computes them."""
    path = os.path.join(work, f"dit-cache-{split}.pt")
    if os.path.exists(path):
        return torch.load(path)
    data = load_split(work, split)
    encoder = load_encoder(work, dims)
    gram = load_gram(work, dims)
    ids, masks = tokenize_all(data["caption"], vocab)
    audio, samples = data["audio"], data["audio"].shape[-1]
    frames = data["frames"][:, frame_choice(data["frames"].shape[1])]
    fbank = fbank_slices(audio)
    parts = {"latent": [], "envelope": [], "gram": []}
    for i in range(0, len(audio), 32):
        sl = slice(i, i + 32)
        parts["latent"].append(encoder(audio[sl]))
        parts["envelope"].append(encoder(audio_rate_envelope(audio[sl], samples)))
        t, v, a = gram_embeddings(gram, dims, frames[sl], ids[sl], masks[sl], fbank[sl])
        by_modality = {"video": v, "text": t, "audio": a}
        parts["gram"].append(torch.stack([by_modality[m] for m in dims["modalities"]], dim=1))
    cache = {key: torch.cat(value) for key, value in parts.items()}
    cache["absent"] = encoder(torch.full((1, dims["audio_channels"], samples), ABSENT_VALUE))
    cache["audio"] = audio
    save_atomic(cache, path)
    return cache


def v_objective_loss(args, dit, tokens, x0, control, generator):
    """The DiT's loss on one batch: per-modality dropout of the GRAM tokens (any subset of modalities is a valid
    request: Java zeroes the absent tokens), then CFG dropout of every token (the unconditional half's all-zero
    tokens); v-objective with logit-normal t (model-facts 3.4, 2.5)."""
    batch = x0.shape[0]
    keep = torch.rand(batch, tokens.shape[1], generator=generator) >= args.modality_dropout
    keep &= (torch.rand(batch, generator=generator) >= args.cfg_dropout)[:, None]
    tokens = tokens * keep[..., None]
    t = torch.sigmoid(torch.randn(batch, generator=generator))
    alpha, sigma = (t * math.pi / 2).cos()[:, None, None], (t * math.pi / 2).sin()[:, None, None]
    noise = torch.randn(x0.shape, generator=generator)
    v = dit(alpha * x0 + sigma * noise, t, tokens, torch.zeros(batch), torch.full((batch,), float(WINDOW_SECONDS)),
            control, torch.ones(batch))
    return F.mse_loss(v, alpha * noise - sigma * x0)


def run_dit_training(trainer, ema, step, dit, projector, path):
    """Runs a DiT stage's steps, then saves its EMA weights with the projector to `path`; returns the record."""
    dit.train()
    record = trainer.run(step, clip_norm=1.0)
    ema.copy_to_params()
    save_atomic({"dit": dit.state_dict(), "projector": projector.state_dict()}, path)
    return record


def zero_init_dit(dit):
    """Upstream zero-initialises the DiT's pre/post 1x1 convs and the ControlNet's conv_in and conv_outs."""
    for conv in [dit.dit.preprocess_conv, dit.dit.postprocess_conv, dit.controlnet.preprocess_conv,
                 dit.controlnet.conv_in] + list(dit.controlnet.conv_outs):
        torch.nn.init.zeros_(conv.weight)


def stage_dit(args, work, profile, dims, vocab):
    cache = conditioning_cache(work, dims, vocab, "train")
    torch.manual_seed(3)
    dit, projector = config.foley_dit(dims), config.projector(dims)
    zero_init_dit(dit)
    params = list(dit.parameters()) + list(projector.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.dit_lr, betas=(0.9, 0.99), eps=1e-6, weight_decay=1e-3)
    ema = Ema([dit, projector], args.ema)
    trainer = Trainer(work, "dit", {"dit": dit, "projector": projector}, optimizer, profile["dit_steps"], args.dit_lr,
                      args.checkpoint_seconds, ema=ema)
    n = cache["latent"].shape[0]
    batch = min(profile["dit_batch"], n)

    def step(_, generator):
        idx = torch.randint(n, (batch,), generator=generator)
        x0, _, _ = vae_sample(cache["latent"][idx], generator)
        # Envelope dropout to the pack's absent value -1 (Stable-V2A p 0.2), encoded like any envelope.
        absent = torch.rand(batch, generator=generator) < args.envelope_dropout
        envelope_moments = torch.where(absent[:, None, None], cache["absent"], cache["envelope"][idx])
        control, _, _ = vae_sample(envelope_moments, generator)
        loss = v_objective_loss(args, dit, projector(cache["gram"][idx]), x0, control, generator)
        return loss, {"absent": float(absent.float().mean())}

    record = run_dit_training(trainer, ema, step, dit, projector, os.path.join(work, "dit.pt"))
    record.update(dit_evaluation(work, dims, vocab, dit.eval(), projector.eval(), profile["eval_clips"]))
    return record


# ---------------------------------------------------------------------------------------------------------------
# Stage 5: the ControlNet learns to read envelopes from the picture


def picture_envelopes(work, split):
    """Per clip, the envelope envelope-service reads from its picture (bench WorldPictureEnvelopes, Java)."""
    path = os.path.join(work, f"picture-envelopes-{split}.npy")
    if not os.path.exists(path):
        jar = os.path.join(REPO_DIR, "bench", "target", "bench.jar")
        if not os.path.exists(jar):
            raise SystemExit(f"{jar} is missing: build it with ./mvnw -B -q -pl bench -am package -DskipTests")
        partial = path[:-len(".npy")] + ".partial.npy"
        subprocess.run(["java", "-Xmx8g", "-cp", jar + os.pathsep + os.path.join(REPO_DIR, "bench", "target", "lib", "*"),
                        "io.foleystream.bench.WorldPictureEnvelopes", os.path.join(work, "world"), split,
                        str(ENVELOPE_FRAME), str(ENVELOPE_HOP), partial], check=True)
        os.replace(partial, path)
    return torch.from_numpy(np.load(path))


@torch.no_grad()
def picture_cache(work, dims, split):
    """The ControlNet encoder's moments of each clip's picture envelope, as the generator scales it."""
    path = os.path.join(work, f"picture-cache-{split}.pt")
    if os.path.exists(path):
        return torch.load(path)
    values, encoder = picture_envelopes(work, split), load_encoder(work, dims)
    samples, peak = int(WINDOW_SECONDS * SAMPLE_RATE), picture_peak(work)
    moments = torch.cat([encoder(picture_rate_envelope(values[i:i + 32], samples, peak))
                         for i in range(0, len(values), 32)])
    save_atomic(moments, path)
    return moments


def stage_picture(args, work, profile, dims, vocab):
    """Fine-tunes the ControlNet alone on a mix of envelopes: from the picture (--picture-share), absent, or from
    the sound, as the dit stage drew them. A picture envelope says when something strikes, often wrongly at 8 fps,
    and nothing of how the material rings: the frozen DiT's GRAM tokens must say that."""
    cache = conditioning_cache(work, dims, vocab, "train")
    picture = picture_cache(work, dims, "train")
    if picture.shape[0] != cache["latent"].shape[0]:
        raise SystemExit(f"{work}: {picture.shape[0]} picture envelopes for {cache['latent'].shape[0]} clips: delete "
                         "picture-envelopes-train.npy and picture-cache-train.pt and run again")
    trained = torch.load(os.path.join(work, "dit.pt"), map_location="cpu")
    dit, projector = config.foley_dit(dims), config.projector(dims)
    dit.load_state_dict(trained["dit"])
    projector.load_state_dict(trained["projector"])
    for module in (dit, projector):
        module.requires_grad_(False)
    controlnet = dit.controlnet.requires_grad_(True)
    optimizer = torch.optim.AdamW(controlnet.parameters(), lr=args.picture_lr, betas=(0.9, 0.99), eps=1e-6,
                                  weight_decay=1e-3)
    ema = Ema([controlnet], args.ema)
    trainer = Trainer(work, "picture", {"controlnet": controlnet}, optimizer, profile["picture_steps"],
                      args.picture_lr, args.checkpoint_seconds, ema=ema)
    n = cache["latent"].shape[0]
    batch = min(profile["dit_batch"], n)

    def step(_, generator):
        idx = torch.randint(n, (batch,), generator=generator)
        x0, _, _ = vae_sample(cache["latent"][idx], generator)
        draw = torch.rand(batch, generator=generator)
        from_picture = draw < args.picture_share
        absent = ~from_picture & (draw < args.picture_share + (1 - args.picture_share) * args.envelope_dropout)
        envelope_moments = torch.where(absent[:, None, None], cache["absent"], cache["envelope"][idx])
        envelope_moments = torch.where(from_picture[:, None, None], picture[idx], envelope_moments)
        control, _, _ = vae_sample(envelope_moments, generator)
        loss = v_objective_loss(args, dit, projector(cache["gram"][idx]), x0, control, generator)
        return loss, {"picture": float(from_picture.float().mean())}

    return run_dit_training(trainer, ema, step, dit, projector, os.path.join(work, "picture.pt"))


# ---------------------------------------------------------------------------------------------------------------
# A few val clips through the pack's sampler (k-diffusion DPM++(2M), CFG with zero tokens) to see timing control


def sigmas(steps, sigma_min, sigma_max, rho):
    ramp = torch.linspace(1, 0, steps) ** rho
    return torch.cat([torch.exp(ramp * (math.log(sigma_max) - math.log(sigma_min)) + math.log(sigma_min)),
                      torch.zeros(1)])


@torch.no_grad()
def generate(dit, tokens, control, scale, generator, frames):
    """DPM++(2M) over the v-model wrapped as k-diffusion's VDenoiser, with CFG as the pack specifies."""
    batch = tokens.shape[0]
    seconds = torch.full((2 * batch,), WINDOW_SECONDS)
    schedule = sigmas(SAMPLER["steps"], SAMPLER["sigma_min"], SAMPLER["sigma_max"], SAMPLER["rho"])
    x = torch.randn((batch, control.shape[1], frames), generator=generator) * schedule[0]
    cond = torch.cat([tokens, torch.zeros_like(tokens)])
    control2, scale2 = torch.cat([control, control]), torch.full((2 * batch,), float(scale))

    def denoised(x, s):
        c_in, c_skip, c_out = 1 / math.sqrt(s * s + 1), 1 / (s * s + 1), -s / math.sqrt(s * s + 1)
        t = torch.full((2 * batch,), math.atan(s) * 2 / math.pi)
        v = dit(torch.cat([x, x]) * c_in, t, cond, seconds * 0, seconds, control2, scale2)
        v = v[batch:] + (v[:batch] - v[batch:]) * SAMPLER["cfg_scale"]
        return c_skip * x + c_out * v

    old, h_last = None, None
    for i in range(len(schedule) - 1):
        s, s_next = float(schedule[i]), float(schedule[i + 1])
        d = denoised(x, s)
        if s_next == 0:
            x = d  # the last step lands on the denoised estimate
            break
        h = math.log(s) - math.log(s_next)
        step = d if old is None else (1 + h / (2 * h_last)) * d - h / (2 * h_last) * old
        x = (s_next / s) * x - math.expm1(-h) * step
        old, h_last = d, h
    return x


@torch.no_grad()
def dit_evaluation(work, dims, vocab, dit, projector, clips):
    cache = conditioning_cache(work, dims, vocab, "val")
    _, decoder = load_autoencoder(work, dims)
    generator = torch.Generator().manual_seed(7)
    idx = torch.arange(min(clips, cache["latent"].shape[0]))
    target = cache["audio"][idx]
    control, _, _ = vae_sample(cache["envelope"][idx], generator)
    tokens = projector(cache["gram"][idx])
    frames = cache["latent"].shape[-1]
    reference = librosa_rms(target / target.abs().amax(-1, keepdim=True))
    out = {}
    for scale in (1.0, 0.0):
        started = time.time()
        audio = decoder(generate(dit, tokens, control, scale, torch.Generator().manual_seed(11), frames))
        elapsed = time.time() - started
        gen = librosa_rms(audio / audio.abs().amax(-1, keepdim=True).clamp_min(1e-8))
        corr = [float(np.corrcoef(g.flatten().numpy(), r.flatten().numpy())[0, 1]) for g, r in zip(gen, reference)]
        out[f"eval_control_{scale:g}"] = {"e_l1": round(float((gen - reference).abs().mean()), 4),
                                          "envelope_corr": round(float(np.nanmean(corr)), 3),
                                          "peak_max": round(float(audio.abs().max()), 3),
                                          "seconds_per_window": round(elapsed / len(idx), 2)}
    return out


# ---------------------------------------------------------------------------------------------------------------
# Stage 6: export through tools/export/export_foleygram.py


def prefixed(prefix, state):
    return {prefix + key: value for key, value in state.items()}


def stage_export(args, work, dims, vocab, out):
    """Writes the trained weights as GRAM / SAO / ControlNet checkpoints in the upstream layouts that the exporter
    reads for real checkpoints, then exports and checks the pack."""
    ckpt = os.path.join(work, "checkpoints")
    os.makedirs(ckpt, exist_ok=True)
    gram = load_gram(work, dims)
    encoder, decoder = load_autoencoder(work, dims)
    trained = torch.load(os.path.join(work, "picture.pt"), map_location="cpu")
    dit = config.foley_dit(dims)
    dit.load_state_dict(trained["dit"])

    gram_state = {}
    gram_state.update(prefixed("vision_encoder.visual.", gram["video"].visual.state_dict()))
    gram_state.update(prefixed("multimodal_encoder.bert.", gram["text"].bert.state_dict()))
    gram_state.update(prefixed("audio_encoder.", gram["audio"].beats.state_dict()))
    for modality, model in (("v", gram["video"]), ("t", gram["text"]), ("a", gram["audio"])):
        gram_state[f"contra_head_{modality}.linear.weight"] = model.head.linear.weight.detach()
    torch.save(gram_state, os.path.join(ckpt, "gram.pt"))

    sao = {}
    sao.update(prefixed("model.model.", dit.dit.state_dict()))
    sao.update(prefixed("pretransform.model.encoder.", encoder.state_dict()))
    sao.update(prefixed("pretransform.model.decoder.", decoder.state_dict()))
    for key in ("seconds_start", "seconds_total"):
        sao.update(prefixed(f"conditioner.conditioners.{key}.", getattr(dit, key).state_dict()))
    export_foleygram.write_safetensors(os.path.join(ckpt, "model.safetensors"), sao)
    write_json(os.path.join(ckpt, "model_config.json"), mini_sao_config())

    controlnet = prefixed("model.model.controlnet.", dit.controlnet.state_dict())
    controlnet.update(prefixed("model.conditioner.conditioners.envelope.pretransform.model.encoder.",
                               encoder.state_dict()))
    weight, bias = trained["projector"]["weight"], trained["projector"]["bias"]
    for m, modality in enumerate(dims["modalities"]):
        controlnet[f"model.conditioner.conditioners.{modality}.proj_out.weight"] = weight[m]
        controlnet[f"model.conditioner.conditioners.{modality}.proj_out.bias"] = bias[m]
    torch.save({"state_dict": controlnet}, os.path.join(ckpt, "controlnet.ckpt"))
    tokenizer = os.path.join(work, "tokenizer.json")

    g = dims["gram"]
    argv = ["--gram-checkpoint", os.path.join(ckpt, "gram.pt"),
            "--sao-checkpoint", os.path.join(ckpt, "model.safetensors"),
            "--controlnet-checkpoint", os.path.join(ckpt, "controlnet.ckpt"), "--tokenizer", tokenizer,
            "--out", out, "--name", args.name, "--version", args.version,
            "--window-seconds", str(WINDOW_SECONDS), "--overlap-seconds", str(OVERLAP_SECONDS),
            "--frames-per-window", str(FRAMES_PER_WINDOW), "--video-resize", "squash",
            "--text-max-length", str(TEXT_LENGTH), "--mel-bins", str(MEL_BINS), "--fbank-frames", str(FBANK_FRAMES),
            "--modalities", ",".join(dims["modalities"]),
            "--envelope-preset", "librosa-rms", "--envelope-frame-length", str(ENVELOPE_FRAME),
            "--envelope-hop-length", str(ENVELOPE_HOP), "--envelope-channels", "mono",
            "--envelope-normalisation", "audio-peak", "--envelope-absent-value", str(ABSENT_VALUE),
            "--envelope-encoding", "sample", "--envelope-picture-peak", str(picture_peak(work)),
            "--envelope-picture-coding", "absent-offset", "--seconds", "chunk",
            "--sampler", SAMPLER["type"], "--steps", str(SAMPLER["steps"]), "--cfg-scale", str(SAMPLER["cfg_scale"]),
            "--sigma-min", str(SAMPLER["sigma_min"]), "--sigma-max", str(SAMPLER["sigma_max"]),
            "--rho", str(SAMPLER["rho"]),
            "--vision-heads", str(g["vision"]["heads"]), "--text-heads", str(g["text"]["heads"]),
            "--audio-heads", str(g["audio"]["heads"]), "--beats-max-distance", str(g["audio"]["max_distance"])]
    started = time.time()
    if export_foleygram.main(argv) != 0:
        raise SystemExit("export: the pack check failed")
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    return {"out": out, "pack_bytes": size, "seconds": round(time.time() - started, 1)}


# ---------------------------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--work", help="checkpoints, shards and caches (default: target/foley-mini-work, or a "
                                       "temp dir with --smoke)")
    parser.add_argument("--out", help="pack folder (default: models/foley-mini, or <work>/pack with --smoke)")
    parser.add_argument("--smoke", action="store_true", help="every stage for a few steps on a few clips")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--checkpoint-seconds", type=float, default=120)
    parser.add_argument("--name", default="foley-mini")
    parser.add_argument("--version", default="1.2.0")
    for key, value in PROFILES["full"].items():
        parser.add_argument("--" + key.replace("_", "-"), type=int, help=f"default {value} ({PROFILES['smoke'][key]}"
                                                                          " with --smoke)")
    parser.add_argument("--gram-lr", type=float, default=5e-4)
    parser.add_argument("--gram-pair-weight", type=float, default=1.0,
                        help="weight of the text-audio and text-video InfoNCE added to the volume loss "
                             "(0: the volume loss alone)")
    parser.add_argument("--ae-lr", type=float, default=1e-3)
    parser.add_argument("--ae-crop-frames", type=int, default=16, help="latent frames per training crop")
    parser.add_argument("--ae-l1", type=float, default=1.0)
    parser.add_argument("--ae-kl", type=float, default=1e-4)
    parser.add_argument("--dit-lr", type=float, default=4e-4)
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--cfg-dropout", type=float, default=0.1)
    parser.add_argument("--modality-dropout", type=float, default=0.5)
    parser.add_argument("--envelope-dropout", type=float, default=0.2)
    parser.add_argument("--picture-lr", type=float, default=1e-4)
    parser.add_argument("--picture-share", type=float, default=0.4,
                        help="share of the picture stage's batches whose envelope is read from the picture")
    parser.add_argument("--stop-after", choices=STAGES, help="stop after this stage")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    profile = dict(PROFILES["smoke" if args.smoke else "full"])
    profile.update({key: getattr(args, key) for key in profile if getattr(args, key) is not None})
    work = args.work or (tempfile.mkdtemp(prefix="foley-mini-smoke-") if args.smoke
                         else os.path.join(REPO_DIR, "target", "foley-mini-work"))
    out = args.out or (os.path.join(work, "pack") if args.smoke else os.path.join(REPO_DIR, "models", "foley-mini"))
    os.makedirs(work, exist_ok=True)

    vocab = build_tokenizer_vocab()
    dims = mini_dimensions(len(vocab))
    run = {"profile": profile, "dims": dims}
    run_path = os.path.join(work, "run.json")
    if os.path.exists(run_path):
        with open(run_path, encoding="utf-8") as f:
            recorded = json.load(f)
        current = json.loads(json.dumps(run))
        # a stage added since the work began brings its own sizes; every size recorded must be unchanged
        if recorded["dims"] != current["dims"] or any(current["profile"].get(key) != value
                                                        for key, value in recorded["profile"].items()):
            raise SystemExit(f"{run_path} records other sizes or dimensions: use a fresh --work")
    write_json(run_path, run)
    write_json(os.path.join(work, "tokenizer.json"), tokenizer_json(vocab))
    print(f"work {work}, pack {out}, vocabulary {len(vocab)} tokens, profile {profile}", flush=True)

    stages = {"world": lambda: stage_world(args, work, profile),
              "gram": lambda: stage_gram(args, work, profile, dims, vocab),
              "autoencoder": lambda: stage_autoencoder(args, work, profile, dims),
              "decoder": lambda: stage_decoder(args, work, profile, dims),
              "dit": lambda: stage_dit(args, work, profile, dims, vocab),
              "picture": lambda: stage_picture(args, work, profile, dims, vocab),
              "export": lambda: stage_export(args, work, dims, vocab, out)}
    earlier_ran = False
    for stage in STAGES:
        record = read_done(work, stage)
        # a stage that ran makes every later one stale: their records describe the weights before it
        if (record is None or earlier_ran
                or (stage == "export" and not os.path.exists(os.path.join(out, "pack.json")))):
            print(f"=== {stage}", flush=True)
            stale_checkpoint = os.path.join(work, f"{stage}.ckpt")
            if record is not None and earlier_ran and os.path.exists(stale_checkpoint):
                os.remove(stale_checkpoint)  # it resumes the weights before the earlier stage ran
            started = time.time()
            record = stages[stage]()
            record["wall_seconds"] = round(time.time() - started, 1)
            mark_done(work, stage, record)
            earlier_ran = True
        print(f"{stage}: {json.dumps(record)}", flush=True)
        if stage == args.stop_after:
            break
    total = sum((read_done(work, s) or {}).get("wall_seconds", 0) for s in STAGES)
    print(f"total wall time over all stages: {total:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
