#!/usr/bin/python3
"""Writes models/tiny/: a model pack with the real FoleyStream pack contract (v2) and random weights.

Every Java test that needs models loads this pack, so the loading, validation and inference code that runs
in tests is the code that runs with real weights. The networks are small but keep the real structure
(conv stems, masked mean pooling, a DiT with a prepended global token, cross-attention and a ControlNet
branch, a VAE-like decoder), and every ONNX file takes the dynamic batch, latent-frame and modality axes
that the contract promises.

Usage: /usr/bin/python3 tools/export/make_tiny_pack.py [--out models/tiny]
Needs torch and onnx (Debian's python3-torch and python3-onnx). The output is deterministic: running it
twice gives the same bytes, so pack.json's sha256 values only change when this script changes.
"""

import argparse
import math
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packlib import (  # noqa: E402
    BEATS_FBANK_MEAN, BEATS_FBANK_STD, CLIP_MEAN, CLIP_STD, FORMAT, export_onnx, file_entry, tensor_spec, write_json)
from precision_variants import add_variants  # noqa: E402
from tiny_vocab import build_vocab  # noqa: E402

SAMPLE_RATE = 44100
AUDIO_CHANNELS = 2
GRAM_DIM = 512
TOKEN_DIM = 64
LATENT_CHANNELS = 8
DOWNSAMPLING = 2048
IMAGE_SIZE = 224
TEXT_MAX_LENGTH = 40
FBANK_FRAMES = 1024
MEL_BINS = 128
DIT_DIM = 64
DIT_HEADS = 4
DIT_DEPTH = 2
# SAO's NumberConditioner clamps seconds to [0, 512] and normalises them to [0, 1] before embedding.
SECONDS_MAX = 512.0


class VideoEncoder(nn.Module):
    """Per-frame image embedding: a big-stride conv stem, mean pooling, a bias-free head to GRAM's 512.

    The head has no bias (as GRAM's Contra_head), so the mean over frames taken in Java equals the head
    applied to the mean of the frame features."""

    def __init__(self):
        super().__init__()
        self.patchify = nn.Conv2d(3, 32, kernel_size=16, stride=16)
        self.mix = nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)
        self.head = nn.Linear(64, GRAM_DIM, bias=False)

    def forward(self, pixel_values):
        features = self.mix(F.gelu(self.patchify(pixel_values)))
        return self.head(features.mean(dim=(2, 3)))


class TextEncoder(nn.Module):
    """Token embedding over the tokenizer's vocabulary, mean over the unmasked tokens, head to 512."""

    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 64)
        self.head = nn.Linear(64, GRAM_DIM, bias=False)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.to(torch.float32).unsqueeze(-1)
        summed = (self.embed(input_ids) * mask).sum(dim=1)
        pooled = summed / mask.sum(dim=1).clamp(min=1.0)
        return self.head(pooled)


class AudioEncoder(nn.Module):
    """BEATs-shaped: 16x16 patches of the (time, mel) fbank, LayerNorm + Linear, mean over patches, head."""

    def __init__(self):
        super().__init__()
        self.patchify = nn.Conv2d(1, 32, kernel_size=16, stride=16)
        self.norm = nn.LayerNorm(32)
        self.proj = nn.Linear(32, 64)
        self.head = nn.Linear(64, GRAM_DIM, bias=False)

    def forward(self, fbank):
        patches = self.patchify(fbank.unsqueeze(1)).flatten(2).transpose(1, 2)
        hidden = F.gelu(self.proj(self.norm(patches)))
        return self.head(hidden.mean(dim=1))


class Projector(nn.Module):
    """One cross-attention token per GRAM embedding: (B, M, 512) -> (B, M, token_dim)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(GRAM_DIM, TOKEN_DIM)

    def forward(self, embeddings):
        return self.linear(embeddings)


class EnvelopeEncoder(nn.Module):
    """Stand-in for the envelope VAE's encoder: (mean, scale) moments, one latent frame per 2048 audio samples."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(AUDIO_CHANNELS, 2 * LATENT_CHANNELS, kernel_size=DOWNSAMPLING, stride=DOWNSAMPLING)
        # Envelope values are small (RMS of audio in [-1, 1]); scale so the latents come out near unit size, and
        # start the scale half low so the sampled posterior is narrow (softplus(-4) ~ 0.02), as a trained VAE's is.
        with torch.no_grad():
            self.conv.weight.mul_(8.0)
            self.conv.bias[LATENT_CHANNELS:] -= 4.0

    def forward(self, envelope):
        return self.conv(envelope)


class AudioDecoder(nn.Module):
    """VAE-decoder stand-in: each latent frame becomes 2048 stereo samples, roughly within [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(LATENT_CHANNELS, AUDIO_CHANNELS * DOWNSAMPLING, kernel_size=1)
        with torch.no_grad():
            # Unit-variance latents then give samples with a standard deviation of about 0.3.
            self.conv.weight.normal_(0.0, 0.3 / math.sqrt(LATENT_CHANNELS))
            self.conv.bias.zero_()

    def forward(self, latents):
        batch, _, frames = latents.shape
        samples = self.conv(latents).reshape(batch, AUDIO_CHANNELS, DOWNSAMPLING, frames)
        return samples.transpose(2, 3).reshape(batch, AUDIO_CHANNELS, frames * DOWNSAMPLING)


class FourierFeatures(nn.Module):
    """stable-audio-tools' FourierFeatures: [cos, sin] of 2*pi*x*W with a learned (random) W."""

    def __init__(self, out_features, std=1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features // 2, 1) * std)

    def forward(self, x):
        f = 2 * math.pi * x.unsqueeze(-1) @ self.weight.T
        return torch.cat([f.cos(), f.sin()], dim=-1)


class NumberEmbedder(nn.Module):
    """SAO's seconds conditioner: clamp, normalise to [0, 1], learned Fourier features (with x), Linear."""

    def __init__(self):
        super().__init__()
        self.fourier = FourierFeatures(32)
        self.linear = nn.Linear(33, DIT_DIM)

    def forward(self, seconds):
        x = seconds.clamp(0.0, SECONDS_MAX) / SECONDS_MAX
        return self.linear(torch.cat([x.unsqueeze(-1), self.fourier(x)], dim=-1))


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


class Attention(nn.Module):
    """Multi-head attention; rotary position embedding on the self-attention queries and keys."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(dim // heads)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_kv = nn.Linear(dim, 2 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)

    def split_heads(self, x):
        batch, length, dim = x.shape
        return x.reshape(batch, length, self.heads, dim // self.heads).transpose(1, 2)

    def forward(self, x, context, rotary=None):
        q = self.split_heads(self.to_q(x))
        k, v = [self.split_heads(part) for part in self.to_kv(context).chunk(2, dim=-1)]
        if rotary is not None:
            cos, sin = rotary
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        out = (weights @ v).transpose(1, 2)
        return self.to_out(out.reshape(out.shape[0], out.shape[1], -1))


class TransformerBlock(nn.Module):
    """SAO's block: pre-norm self-attention, cross-attention to the conditioning tokens, GELU feed-forward."""

    def __init__(self, dim, heads):
        super().__init__()
        self.self_norm = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.cross_norm = nn.LayerNorm(dim)
        self.cross_attn = Attention(dim, heads)
        self.ff_norm = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, context, rotary):
        normed = self.self_norm(x)
        x = x + self.self_attn(normed, normed, rotary)
        x = x + self.cross_attn(self.cross_norm(x), context)
        return x + self.ff(self.ff_norm(x))


def rotary_tables(length, head_dim, like):
    """cos/sin tables of shape (length, head_dim) for positions 0..length-1 (traced, so T stays dynamic)."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    positions = torch.arange(length, dtype=torch.float32, device=like.device)
    angles = positions.unsqueeze(-1) * inv_freq.unsqueeze(0)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


class DiT(nn.Module):
    """v-prediction DiT with the ControlNet folded in (model-facts 3.3 and 4.2, scaled down).

    The global token (timestep features + seconds embeddings) is prepended; the ControlNet branch sees the
    same front end plus conv_in(controlnet_cond), runs one block, and its conv_out output, times the row's
    controlnet_scale, is added to the hidden states before block 0 of the main stack. Unlike training, conv_in/conv_out are not zero-initialised,
    so the control input visibly changes v.
    """

    def __init__(self):
        super().__init__()
        self.timestep_features = FourierFeatures(32)
        self.to_timestep_embed = nn.Sequential(nn.Linear(32, DIT_DIM), nn.SiLU(), nn.Linear(DIT_DIM, DIT_DIM))
        self.seconds_start = NumberEmbedder()
        self.seconds_total = NumberEmbedder()
        self.to_global_embed = nn.Sequential(
            nn.Linear(2 * DIT_DIM, DIT_DIM, bias=False), nn.SiLU(), nn.Linear(DIT_DIM, DIT_DIM, bias=False))
        self.to_cond_embed = nn.Sequential(
            nn.Linear(TOKEN_DIM, TOKEN_DIM, bias=False), nn.SiLU(), nn.Linear(TOKEN_DIM, TOKEN_DIM, bias=False))
        self.preprocess_conv = nn.Conv1d(LATENT_CHANNELS, LATENT_CHANNELS, 1, bias=False)
        self.project_in = nn.Linear(LATENT_CHANNELS, DIT_DIM, bias=False)
        self.blocks = nn.ModuleList([TransformerBlock(DIT_DIM, DIT_HEADS) for _ in range(DIT_DEPTH)])
        self.project_out = nn.Linear(DIT_DIM, LATENT_CHANNELS, bias=False)
        self.postprocess_conv = nn.Conv1d(LATENT_CHANNELS, LATENT_CHANNELS, 1, bias=False)
        self.controlnet_conv_in = nn.Conv1d(LATENT_CHANNELS, LATENT_CHANNELS, 1, bias=False)
        self.controlnet_project_in = nn.Linear(LATENT_CHANNELS, DIT_DIM, bias=False)
        self.controlnet_block = TransformerBlock(DIT_DIM, DIT_HEADS)
        self.controlnet_conv_out = nn.Conv1d(DIT_DIM, DIT_DIM, 1, bias=False)
        with torch.no_grad():
            for conv in (self.preprocess_conv, self.postprocess_conv):
                conv.weight.normal_(0.0, 0.05)

    def with_global_token(self, latents, project_in, global_token):
        """(B, C, T) latents -> (B, 1 + T, dim) hidden states with the global token first."""
        hidden = project_in(latents.transpose(1, 2))
        return torch.cat([global_token.unsqueeze(1), hidden], dim=1)

    def forward(self, x, t, cross_attn_cond, seconds_start, seconds_total, controlnet_cond, controlnet_scale):
        timestep_embed = self.to_timestep_embed(self.timestep_features(t))
        global_embed = self.to_global_embed(
            torch.cat([self.seconds_start(seconds_start), self.seconds_total(seconds_total)], dim=-1))
        global_token = timestep_embed + global_embed
        context = self.to_cond_embed(cross_attn_cond)

        x = x + self.preprocess_conv(x)
        hidden = self.with_global_token(x, self.project_in, global_token)
        rotary = rotary_tables(hidden.shape[1], DIT_DIM // DIT_HEADS, hidden)

        control = self.with_global_token(
            x + self.controlnet_conv_in(controlnet_cond), self.controlnet_project_in, global_token)
        control = self.controlnet_block(control, context, rotary)
        control = self.controlnet_conv_out(control.transpose(1, 2)).transpose(1, 2)
        hidden = hidden + control * controlnet_scale[:, None, None]

        for block in self.blocks:
            hidden = block(hidden, context, rotary)
        out = self.project_out(hidden)[:, 1:, :].transpose(1, 2)
        return out + self.postprocess_conv(out)


# name -> (module factory, example inputs, input specs, output specs, dim names for the -1 axes)
def model_specs(vocab_size):
    batch, frames, modalities = 2, 5, 3
    samples = frames * DOWNSAMPLING
    generator = torch.Generator().manual_seed(1)

    def randn(*shape):
        return torch.randn(*shape, generator=generator)

    return {
        "video_encoder": (
            VideoEncoder,
            (randn(batch, 3, IMAGE_SIZE, IMAGE_SIZE),),
            [tensor_spec("pixel_values", "float32", [-1, 3, IMAGE_SIZE, IMAGE_SIZE])],
            [tensor_spec("embeddings", "float32", [-1, GRAM_DIM])],
        ),
        "text_encoder": (
            lambda: TextEncoder(vocab_size),
            (torch.randint(0, vocab_size, (batch, TEXT_MAX_LENGTH), generator=generator),
             torch.ones(batch, TEXT_MAX_LENGTH, dtype=torch.int64)),
            [tensor_spec("input_ids", "int64", [-1, TEXT_MAX_LENGTH]),
             tensor_spec("attention_mask", "int64", [-1, TEXT_MAX_LENGTH])],
            [tensor_spec("embeddings", "float32", [-1, GRAM_DIM])],
        ),
        "audio_encoder": (
            AudioEncoder,
            (randn(batch, FBANK_FRAMES, MEL_BINS),),
            [tensor_spec("fbank", "float32", [-1, FBANK_FRAMES, MEL_BINS])],
            [tensor_spec("embeddings", "float32", [-1, GRAM_DIM])],
        ),
        "projector": (
            Projector,
            (randn(batch, modalities, GRAM_DIM),),
            [tensor_spec("embeddings", "float32", [-1, -1, GRAM_DIM])],
            [tensor_spec("tokens", "float32", [-1, -1, TOKEN_DIM])],
        ),
        "envelope_encoder": (
            EnvelopeEncoder,
            (randn(batch, AUDIO_CHANNELS, samples).abs() * 0.1,),
            [tensor_spec("envelope", "float32", [-1, AUDIO_CHANNELS, -1])],
            [tensor_spec("moments", "float32", [-1, 2 * LATENT_CHANNELS, -1])],
        ),
        "dit": (
            DiT,
            (randn(batch, LATENT_CHANNELS, frames), torch.rand(batch, generator=generator),
             randn(batch, modalities, TOKEN_DIM), torch.zeros(batch), torch.full((batch,), 4.0),
             randn(batch, LATENT_CHANNELS, frames), torch.ones(batch)),
            [tensor_spec("x", "float32", [-1, LATENT_CHANNELS, -1]),
             tensor_spec("t", "float32", [-1]),
             tensor_spec("cross_attn_cond", "float32", [-1, -1, TOKEN_DIM]),
             tensor_spec("seconds_start", "float32", [-1]),
             tensor_spec("seconds_total", "float32", [-1]),
             tensor_spec("controlnet_cond", "float32", [-1, LATENT_CHANNELS, -1]),
             tensor_spec("controlnet_scale", "float32", [-1])],
            [tensor_spec("v", "float32", [-1, LATENT_CHANNELS, -1])],
        ),
        "decoder": (
            AudioDecoder,
            (randn(batch, LATENT_CHANNELS, frames),),
            [tensor_spec("latents", "float32", [-1, LATENT_CHANNELS, -1])],
            [tensor_spec("audio", "float32", [-1, AUDIO_CHANNELS, -1])],
        ),
    }


def seeded_model(name, vocab_size):
    """The module exported as <name>.onnx with the weights it is exported with (tools/reference rebuilds it):
    each model's weights depend only on its own seed, 1000 + its position in model_specs."""
    specs = model_specs(vocab_size)
    torch.manual_seed(1000 + list(specs).index(name))
    return specs[name][0]().eval()


def export(name, factory, example, input_specs, output_specs, out_dir):
    path = os.path.join(out_dir, f"{name}.onnx")
    export_onnx(factory().eval(), example, input_specs, output_specs, path, "foleystream-make_tiny_pack")
    return path


def tokenizer_json(vocab):
    """A HuggingFace `tokenizers` BERT WordPiece tokenizer, written out directly (same layout as
    bert-base-uncased's tokenizer.json, with a small vocabulary)."""
    def special(token):
        return {"id": vocab.index(token), "content": token, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}

    def template_special(token):
        return {"SpecialToken": {"id": token, "type_id": 0}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(token) for token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [template_special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}},
                       template_special("[SEP]")],
            "pair": [template_special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}},
                     template_special("[SEP]"), {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {token: {"id": token, "ids": [vocab.index(token)], "tokens": [token]}
                               for token in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {token: i for i, token in enumerate(vocab)}},
    }


def manifest(out_dir, specs):
    files = {"tokenizer": file_entry(out_dir, "tokenizer.json")}
    for name, (_, _, inputs, outputs) in specs.items():
        files[name] = file_entry(out_dir, f"{name}.onnx", inputs, outputs)
    return {
        "format": FORMAT,
        "name": "tiny",
        "version": "1.0.0",
        "sample_rate": SAMPLE_RATE,
        "audio_channels": AUDIO_CHANNELS,
        "window_seconds": 4.0,
        "overlap_seconds": 1.0,
        "latent": {"channels": LATENT_CHANNELS, "downsampling": DOWNSAMPLING},
        # Stable-V2A's conventions (model-facts 2.2-2.5), except the mono librosa envelope FoleyGRAM describes.
        "envelope": {"preset": "librosa-rms", "frame_length": 2048, "hop_length": 512, "channels": "mono",
                     "normalisation": "audio-peak", "absent_value": -1.0, "encoding": "sample"},
        "conditioning": {"gram_dim": GRAM_DIM, "token_dim": TOKEN_DIM, "modalities": ["video", "text", "audio"],
                         "seconds": "chunk"},
        "sampler": {"type": "euler", "steps": 8, "cfg_scale": 3.0, "sigma_min": 0.3, "sigma_max": 500.0,
                    "rho": 1.0},
        "preprocessing": {
            "video": {"frames_per_window": 8, "size": IMAGE_SIZE, "resize": "squash",
                      "mean": CLIP_MEAN, "std": CLIP_STD},
            "text": {"max_length": TEXT_MAX_LENGTH},
            "audio": {"sample_rate": 16000, "mel_bins": MEL_BINS, "target_frames": FBANK_FRAMES,
                      "norm_mean": BEATS_FBANK_MEAN, "norm_std": BEATS_FBANK_STD},
        },
        "files": files,
    }


def main():
    default_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "tiny")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=default_out)
    out_dir = os.path.normpath(parser.parse_args().out)
    os.makedirs(out_dir, exist_ok=True)

    vocab = build_vocab()
    write_json(os.path.join(out_dir, "tokenizer.json"), tokenizer_json(vocab))

    specs = {}
    for name, (factory, example, inputs, outputs) in model_specs(len(vocab)).items():
        export(name, lambda: seeded_model(name, len(vocab)), example, inputs, outputs, out_dir)
        specs[name] = (factory, example, inputs, outputs)

    write_json(os.path.join(out_dir, "pack.json"), manifest(out_dir, specs))
    add_variants(out_dir)  # fp16 and int8, so that tests cover variant selection on this pack too
    total = sum(os.path.getsize(os.path.join(out_dir, name)) for name in os.listdir(out_dir))
    print(f"wrote {out_dir} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
