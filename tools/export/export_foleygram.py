#!/usr/bin/python3
"""Exports FoleyGRAM (GRAM encoders + Stable Audio Open + envelope ControlNet) checkpoints to a FoleyStream pack.

The pack follows contract v2 (models/README.md): video/text/audio encoders, the GRAM->token projector, the
envelope encoder, the DiT with the ControlNet folded in, and the VAE decoder, as ONNX (opset 17), plus
tokenizer.json and pack.json. The networks are defined here in plain PyTorch with the module names of the
upstream code (stable-audio-tools, stable-audio-controlnet / Stable-V2A, GRAM's EVA-CLIP, BERT and BEATs), so
the real checkpoints load with strict key matching; tools/export/README.md says which parts are faithful.

Usage:
  /usr/bin/python3 tools/export/export_foleygram.py --gram-checkpoint gram.pt \
      --sao-checkpoint model.safetensors [--sao-config model_config.json] \
      --controlnet-checkpoint controlnet.ckpt --tokenizer bert-base-uncased/tokenizer.json --out packs/foleygram
  /usr/bin/python3 tools/export/export_foleygram.py --self-test [--out DIR]

--self-test needs no weights: it writes randomly initialised checkpoints of the same architectures at reduced
width in the upstream layouts, exports them through the same code path, validates every file and prints a
summary. Needs torch and onnx only (Debian's python3-torch and python3-onnx).
"""

import argparse
import dataclasses
import json
import math
import mmap
import os
import re
import shutil
import struct
import sys
import tempfile

import onnx
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import remove_weight_norm, weight_norm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packlib import (  # noqa: E402
    BEATS_FBANK_MEAN, BEATS_FBANK_STD, CLIP_MEAN, CLIP_STD, ENVELOPE_CHANNELS as CHANNEL_LAYOUTS,
    ENVELOPE_ENCODINGS as ENCODINGS, ENVELOPE_NORMALISATIONS as NORMALISATIONS, FORMAT, SECONDS_CONVENTIONS,
    contract_io, export_onnx, file_entry, sha256, write_json)

PRODUCER = "foleystream-export_foleygram"
MODALITIES = ("video", "text", "audio")
# Default geometry of each envelope preset that the Java side knows (io.foleystream.envelope.EnvelopeSpec).
ENVELOPE_PRESETS = {"stable-v2a": (10000, 512), "librosa-rms": (2048, 512), "t-foley": (512, 128)}


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints


def read_safetensors(path):
    """A .safetensors file as a dict of tensors (the format is an 8-byte header size, a JSON header, raw data)."""
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
              "BOOL": torch.bool}
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_size))
        # Copy-on-write mapping: tensors view the file without reading it all and without a read-only warning.
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    base = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = dtypes[info["dtype"]]
        count = (end - begin) // torch.empty(0, dtype=dtype).element_size()
        flat = (torch.frombuffer(data, dtype=dtype, count=count, offset=base + begin) if count
                else torch.empty(0, dtype=dtype))
        tensors[name] = flat.reshape(info["shape"]).float() if flat.is_floating_point() else flat.reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors):
    """The self-test's writer for the same format, so that the reader above is exercised."""
    header, offset = {}, 0
    for name, tensor in tensors.items():
        size = tensor.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for tensor in tensors.values():
            f.write(tensor.detach().float().contiguous().numpy().tobytes())


def read_checkpoint(path):
    """A flat state dict from .safetensors, a Lightning .ckpt ({"state_dict": ...}) or a plain torch.save dict."""
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    state = torch.load(path, map_location="cpu")
    for wrapper in ("state_dict", "model", "module"):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
    # DistributedDataParallel saves every key under "module.".
    return {key[len("module."):] if key.startswith("module.") else key: value.float()
            if value.is_floating_point() else value for key, value in state.items()}


def subtree(state, candidates, marker, what):
    """The keys under the first candidate prefix that holds `marker`, with the prefix stripped."""
    for prefix in candidates:
        if prefix + marker in state:
            return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}
    raise SystemExit(f"{what}: none of the key prefixes {list(candidates)} holds '{marker}'; "
                     f"first keys are {sorted(state)[:8]}")


def load_strict(module, state, what, ignore=()):
    """Loads `state` into `module`, refusing any unexpected or missing parameter (missing buffers that are pure
    functions of the config, such as rotary frequencies, keep their computed values)."""
    state = {key: value for key, value in state.items() if not any(re.search(pattern, key) for pattern in ignore)}
    # torch >= 2.1 names weight-norm halves parametrizations.weight.original0/1; this torch calls them weight_g/v.
    state = {key.replace("parametrizations.weight.original0", "weight_g")
             .replace("parametrizations.weight.original1", "weight_v"): value for key, value in state.items()}
    buffers = {name for name, _ in module.named_buffers()}
    expected = set(module.state_dict())
    unexpected = sorted(set(state) - expected)
    missing = sorted(key for key in expected - set(state) if key not in buffers)
    if unexpected or missing:
        raise SystemExit(f"{what}: checkpoint keys do not match the architecture\n"
                         f"  missing: {missing[:12]}{' ...' if len(missing) > 12 else ''}\n"
                         f"  unexpected: {unexpected[:12]}{' ...' if len(unexpected) > 12 else ''}")
    module.load_state_dict(state, strict=False)
    return module


def count_indexed(state, pattern):
    """How many consecutive indices `pattern` (with one {} for the index) has in the state dict."""
    count = 0
    while pattern.format(count) in state:
        count += 1
    return count


def strip_weight_norm(module):
    """Folds weight normalisation into plain weights, so the ONNX graph holds one tensor per conv."""
    for child in module.modules():
        if hasattr(child, "weight_g"):
            remove_weight_norm(child)
    return module


# ---------------------------------------------------------------------------------------------------------------
# Stable Audio Open DiT and the ControlNet (stable-audio-tools models/dit.py, transformer.py, blocks.py, adp.py;
# stable-audio-controlnet main/controlnet/controlnet.py, transformer.py)


class FourierFeatures(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features // 2, in_features))

    def forward(self, x):
        f = 2 * math.pi * x @ self.weight.T
        return torch.cat([f.cos(), f.sin()], dim=-1)


class LayerNorm(nn.Module):
    """stable-audio-tools' bias-free LayerNorm: gamma is learned, beta a zero buffer (both in the state dict)."""

    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))
        self.register_buffer("beta", torch.zeros(dim))

    def forward(self, x):
        return F.layer_norm(x, self.gamma.shape, weight=self.gamma, bias=self.beta)


class RotaryEmbedding(nn.Module):
    def __init__(self, dim, base=10000):
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)))

    def forward(self, seq_len):
        freqs = torch.arange(seq_len, dtype=torch.float32, device=self.inv_freq.device)[:, None] * self.inv_freq
        return torch.cat([freqs, freqs], dim=-1)


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


def apply_rotary(t, freqs):
    """Partial rotary embedding (GPT-J): only the first freqs.shape[-1] channels of each head rotate."""
    rot_dim = freqs.shape[-1]
    rotated, passed = t[..., :rot_dim], t[..., rot_dim:]
    rotated = rotated * freqs.cos() + rotate_half(rotated) * freqs.sin()
    return torch.cat([rotated, passed], dim=-1)


class Attention(nn.Module):
    """Self-attention (fused to_qkv) or cross-attention (to_q + to_kv over a narrower context: grouped heads)."""

    def __init__(self, dim, dim_heads, dim_context=None):
        super().__init__()
        self.num_heads = dim // dim_heads
        self.kv_heads = (dim_context or dim) // dim_heads
        self.scale = dim_heads ** -0.5
        if dim_context is not None:
            self.to_q = nn.Linear(dim, dim, bias=False)
            self.to_kv = nn.Linear(dim_context, dim_context * 2, bias=False)
        else:
            self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)

    @staticmethod
    def split_heads(x, heads):
        batch, length, width = x.shape
        return x.reshape(batch, length, heads, width // heads).transpose(1, 2)

    def forward(self, x, context=None, rotary=None):
        if context is not None:
            q = self.split_heads(self.to_q(x), self.num_heads)
            k, v = [self.split_heads(part, self.kv_heads) for part in self.to_kv(context).chunk(2, dim=-1)]
        else:
            q, k, v = [self.split_heads(part, self.num_heads) for part in self.to_qkv(x).chunk(3, dim=-1)]
        if rotary is not None:
            q, k = apply_rotary(q, rotary), apply_rotary(k, rotary)
        if self.kv_heads != self.num_heads:
            # repeat_interleave over heads, written as expand + reshape so it exports with dynamic lengths
            repeat = self.num_heads // self.kv_heads
            k, v = [t.unsqueeze(2).expand(-1, -1, repeat, -1, -1).flatten(1, 2) for t in (k, v)]
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        out = (weights @ v).transpose(1, 2)
        return self.to_out(out.reshape(out.shape[0], out.shape[1], -1))


class GLU(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        x, gate = self.proj(x).chunk(2, dim=-1)
        return x * F.silu(gate)


class FeedForward(nn.Module):
    """SwiGLU feed-forward; ff.1 is an Identity upstream, kept so the key of the output layer is ff.ff.2."""

    def __init__(self, dim, mult=4):
        super().__init__()
        self.ff = nn.Sequential(GLU(dim, dim * mult), nn.Identity(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.ff(x)


class TransformerBlock(nn.Module):
    def __init__(self, dim, dim_heads, dim_context):
        super().__init__()
        self.pre_norm = LayerNorm(dim)
        self.self_attn = Attention(dim, dim_heads)
        self.cross_attend_norm = LayerNorm(dim)
        self.cross_attn = Attention(dim, dim_heads, dim_context)
        self.ff_norm = LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context, rotary):
        x = x + self.self_attn(self.pre_norm(x), rotary=rotary)
        x = x + self.cross_attn(self.cross_attend_norm(x), context=context)
        return x + self.ff(self.ff_norm(x))


class ContinuousTransformer(nn.Module):
    def __init__(self, dim, depth, dim_in, dim_out, dim_heads, cond_token_dim):
        super().__init__()
        self.project_in = nn.Linear(dim_in, dim, bias=False)
        self.project_out = nn.Linear(dim, dim_out, bias=False)
        self.rotary_pos_emb = RotaryEmbedding(max(dim_heads // 2, 32))
        self.layers = nn.ModuleList([TransformerBlock(dim, dim_heads, cond_token_dim) for _ in range(depth)])

    def hidden_states(self, x, prepend, context, controlnet_embeds=()):
        """The output of every block; the prepended global token is position 0 and takes part in the rotary."""
        x = torch.cat([prepend, self.project_in(x)], dim=1)
        rotary = self.rotary_pos_emb(x.shape[1])
        states = []
        for index, layer in enumerate(self.layers):
            if index < len(controlnet_embeds):
                x = x + controlnet_embeds[index]
            x = layer(x, context, rotary)
            states.append(x)
        return states

    def forward(self, x, prepend, context, controlnet_embeds=()):
        return self.project_out(self.hidden_states(x, prepend, context, controlnet_embeds)[-1])


class DiffusionTransformer(nn.Module):
    """SAO's DiT with global_cond_type "prepend" and the continuous transformer (model-facts 3.3)."""

    def __init__(self, io_channels, embed_dim, depth, num_heads, cond_token_dim, global_cond_dim,
                 project_cond_tokens=False):
        super().__init__()
        cond_embed_dim = embed_dim if project_cond_tokens else cond_token_dim
        self.timestep_features = FourierFeatures(1, 256)
        self.to_timestep_embed = nn.Sequential(
            nn.Linear(256, embed_dim), nn.SiLU(), nn.Linear(embed_dim, embed_dim))
        self.to_cond_embed = nn.Sequential(
            nn.Linear(cond_token_dim, cond_embed_dim, bias=False), nn.SiLU(),
            nn.Linear(cond_embed_dim, cond_embed_dim, bias=False))
        self.to_global_embed = nn.Sequential(
            nn.Linear(global_cond_dim, embed_dim, bias=False), nn.SiLU(),
            nn.Linear(embed_dim, embed_dim, bias=False))
        self.transformer = ContinuousTransformer(embed_dim, depth, io_channels, io_channels, embed_dim // num_heads,
                                                 cond_embed_dim)
        self.preprocess_conv = nn.Conv1d(io_channels, io_channels, 1, bias=False)

    def front_end(self, x, t, cross_attn_cond, global_cond):
        """(preprocessed x as (B, T, C), the global token (B, 1, dim), the cross-attention context)."""
        global_embed = self.to_global_embed(global_cond) + self.to_timestep_embed(self.timestep_features(t[:, None]))
        x = self.preprocess_conv(x) + x
        return x, global_embed.unsqueeze(1), self.to_cond_embed(cross_attn_cond)


class SaoDiT(DiffusionTransformer):
    def __init__(self, io_channels, *args, **kwargs):
        super().__init__(io_channels, *args, **kwargs)
        self.postprocess_conv = nn.Conv1d(io_channels, io_channels, 1, bias=False)

    def forward(self, x, t, cross_attn_cond, global_cond, controlnet_embeds):
        x, prepend, context = self.front_end(x, t, cross_attn_cond, global_cond)
        out = self.transformer(x.transpose(1, 2), prepend, context, controlnet_embeds)
        out = out.transpose(1, 2)[:, :, prepend.shape[1]:]
        return self.postprocess_conv(out) + out


class ControlNet(DiffusionTransformer):
    """ControlNetDiffusionTransformer: the DiT's front end and first blocks, conv_in on the control latents and one
    conv_out per block whose output is added before the same-numbered block of the main DiT (model-facts 4.2)."""

    def __init__(self, io_channels, embed_dim, depth, *args, **kwargs):
        super().__init__(io_channels, embed_dim, depth, *args, **kwargs)
        self.conv_in = nn.Conv1d(io_channels, io_channels, 1, bias=False)
        self.conv_outs = nn.ModuleList([nn.Conv1d(embed_dim, embed_dim, 1, bias=False) for _ in range(depth)])

    def forward(self, x, t, controlnet_cond, cross_attn_cond, global_cond):
        x, prepend, context = self.front_end(x, t, cross_attn_cond, global_cond)
        x = x + self.conv_in(controlnet_cond)
        states = self.transformer.hidden_states(x.transpose(1, 2), prepend, context)
        return [conv(state.transpose(1, 2)).transpose(1, 2) for conv, state in zip(self.conv_outs, states)]


class LearnedPositionalEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(dim // 2))

    def forward(self, x):
        freqs = x[:, None] * self.weights[None, :] * 2 * math.pi
        return torch.cat([x[:, None], freqs.sin(), freqs.cos()], dim=-1)


class NumberEmbedder(nn.Module):
    def __init__(self, features, dim=256):
        super().__init__()
        self.embedding = nn.Sequential(LearnedPositionalEmbedding(dim), nn.Linear(dim + 1, features))

    def forward(self, x):
        return self.embedding(x)


class NumberConditioner(nn.Module):
    """Seconds -> one conditioning vector: clamp to [min, max], scale to [0, 1], learned Fourier features, Linear."""

    def __init__(self, output_dim, min_val, max_val):
        super().__init__()
        self.min_val, self.max_val = float(min_val), float(max_val)
        self.embedder = NumberEmbedder(output_dim)

    def forward(self, seconds):
        normalized = (seconds.clamp(self.min_val, self.max_val) - self.min_val) / (self.max_val - self.min_val)
        return self.embedder(normalized)


class FoleyDiT(nn.Module):
    """The pack's `dit`: seconds embedders, the ControlNet and the DiT in one graph (contract v2).

    Cross-attention holds the GRAM tokens; with `seconds_tokens` the two seconds embeddings are appended to it as
    SAO does with its T5 tokens. Global conditioning is always [seconds_start, seconds_total]. `controlnet_scale`
    multiplies every ControlNet embedding per batch row (stable-audio-controlnet's `scale_controlnet_embeds`):
    1 is the trained behaviour, 0 turns timing control off."""

    def __init__(self, dit, controlnet, seconds_start, seconds_total, seconds_tokens):
        super().__init__()
        self.dit, self.controlnet = dit, controlnet
        self.seconds_start, self.seconds_total = seconds_start, seconds_total
        self.seconds_tokens = seconds_tokens

    def forward(self, x, t, cross_attn_cond, seconds_start, seconds_total, controlnet_cond, controlnet_scale):
        start, total = self.seconds_start(seconds_start), self.seconds_total(seconds_total)
        global_cond = torch.cat([start, total], dim=-1)
        context = cross_attn_cond
        if self.seconds_tokens:
            context = torch.cat([context, start[:, None], total[:, None]], dim=1)
        embeds = self.controlnet(x, t, controlnet_cond, context, global_cond)
        embeds = [embed * controlnet_scale[:, None, None] for embed in embeds]
        return self.dit(x, t, context, global_cond, embeds)


# ---------------------------------------------------------------------------------------------------------------
# Oobleck VAE (stable-audio-tools models/autoencoders.py, blocks.py SnakeBeta)


class SnakeBeta(nn.Module):
    """x + 1/beta * sin^2(alpha * x), alpha and beta stored as logarithms."""

    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        alpha = self.alpha.exp()[None, :, None]
        beta = self.beta.exp()[None, :, None]
        return x + (1.0 / (beta + 1e-9)) * torch.sin(x * alpha).pow(2)


def wn_conv(*args, **kwargs):
    return weight_norm(nn.Conv1d(*args, **kwargs))


class ResidualUnit(nn.Module):
    def __init__(self, channels, dilation):
        super().__init__()
        self.layers = nn.Sequential(
            SnakeBeta(channels), wn_conv(channels, channels, 7, dilation=dilation, padding=3 * dilation),
            SnakeBeta(channels), wn_conv(channels, channels, 1))

    def forward(self, x):
        return x + self.layers(x)


class EncoderBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.layers = nn.Sequential(
            ResidualUnit(in_channels, 1), ResidualUnit(in_channels, 3), ResidualUnit(in_channels, 9),
            SnakeBeta(in_channels),
            wn_conv(in_channels, out_channels, 2 * stride, stride=stride, padding=math.ceil(stride / 2)))

    def forward(self, x):
        return self.layers(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.layers = nn.Sequential(
            SnakeBeta(in_channels),
            weight_norm(nn.ConvTranspose1d(in_channels, out_channels, 2 * stride, stride=stride,
                                           padding=math.ceil(stride / 2))),
            ResidualUnit(out_channels, 1), ResidualUnit(out_channels, 3), ResidualUnit(out_channels, 9))

    def forward(self, x):
        return self.layers(x)


class OobleckEncoder(nn.Module):
    def __init__(self, in_channels, channels, latent_dim, c_mults, strides):
        super().__init__()
        c_mults = [1] + list(c_mults)
        layers = [wn_conv(in_channels, c_mults[0] * channels, 7, padding=3)]
        layers += [EncoderBlock(c_mults[i] * channels, c_mults[i + 1] * channels, strides[i])
                   for i in range(len(c_mults) - 1)]
        layers += [SnakeBeta(c_mults[-1] * channels), wn_conv(c_mults[-1] * channels, latent_dim, 3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class OobleckDecoder(nn.Module):
    def __init__(self, out_channels, channels, latent_dim, c_mults, strides, final_tanh=False):
        super().__init__()
        c_mults = [1] + list(c_mults)
        layers = [wn_conv(latent_dim, c_mults[-1] * channels, 7, padding=3)]
        layers += [DecoderBlock(c_mults[i] * channels, c_mults[i - 1] * channels, strides[i - 1])
                   for i in range(len(c_mults) - 1, 0, -1)]
        layers += [SnakeBeta(c_mults[0] * channels), wn_conv(c_mults[0] * channels, out_channels, 7, padding=3,
                                                             bias=False), nn.Tanh() if final_tanh else nn.Identity()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class EnvelopeEncoder(nn.Module):
    """The ControlNet's frozen VAE encoder: audio-rate envelope -> the (mean, scale) moments, 2 x latent_dim
    channels. The generator takes the mean or, as Stable-V2A does, samples mean + (softplus(scale) + 1e-4) * z,
    as the pack's `envelope.encoding` says (contract v2)."""

    def __init__(self, encoder, latent_dim):
        super().__init__()
        self.encoder, self.latent_dim = encoder, latent_dim

    def forward(self, envelope):
        return self.encoder(envelope)[:, :2 * self.latent_dim]


# ---------------------------------------------------------------------------------------------------------------
# GRAM encoders: EVA-CLIP vision tower, BERT, BEATs (ispamm/GRAM model/vision_encoders/evaclip/eva_vit_model.py,
# model/text_encoders/bert/bert.py, model/audio_encoders/beats/beats.py) and the bias-free contrastive heads


class ContraHead(nn.Module):
    def __init__(self, input_dim, contra_dim):
        super().__init__()
        self.linear = nn.Linear(input_dim, contra_dim, bias=False)

    def forward(self, x):
        return self.linear(x)


class EvaPatchEmbed(nn.Module):
    def __init__(self, patch, width):
        super().__init__()
        self.proj = nn.Conv2d(3, width, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class EvaAttention(nn.Module):
    """qkv without bias plus separate q and v biases (k has none), as EVA-01."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.scale = heads, (width // heads) ** -0.5
        self.qkv = nn.Linear(width, width * 3, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(width))
        self.v_bias = nn.Parameter(torch.zeros(width))
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        batch, length, width = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias).reshape(batch, length, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(batch, length, width))


class EvaMlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class EvaBlock(nn.Module):
    def __init__(self, width, heads, mlp_hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=1e-6)
        self.attn = EvaAttention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=1e-6)
        self.mlp = EvaMlp(width, mlp_hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class EvaVisionTransformer(nn.Module):
    """EVA01-CLIP's visual tower (pre-norm ViT, CLS token, learned absolute positions, no rope, no rel-pos)."""

    def __init__(self, image_size, patch, width, depth, heads, mlp_hidden, head_dim):
        super().__init__()
        self.patch_embed = EvaPatchEmbed(patch, width)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
        self.pos_embed = nn.Parameter(torch.zeros(1, (image_size // patch) ** 2 + 1, width))
        self.blocks = nn.ModuleList([EvaBlock(width, heads, mlp_hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(width, eps=1e-6)
        self.head = nn.Linear(width, head_dim)  # CLIP's image projection; GRAM uses the normed CLS token instead

    def forward(self, pixels):
        x = self.patch_embed(pixels)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class VideoEncoder(nn.Module):
    """Per frame: the final-normed CLS token through contra_head_v (GRAM pool_vision_for_contra before the mean)."""

    def __init__(self, visual, head):
        super().__init__()
        self.visual, self.head = visual, head

    def forward(self, pixel_values):
        return self.head(self.visual(pixel_values)[:, 0])


class BertEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, max_positions, type_vocab):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(type_vocab, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)[None]
        return self.LayerNorm(x + self.token_type_embeddings.weight[0])


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.scale = heads, (hidden // heads) ** -0.5
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)

    def forward(self, x, mask_bias):
        batch, length, hidden = x.shape
        q, k, v = [layer(x).reshape(batch, length, self.heads, -1).transpose(1, 2)
                   for layer in (self.query, self.key, self.value)]
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale + mask_bias, dim=-1)
        return (weights @ v).transpose(1, 2).reshape(batch, length, hidden)


class BertOutput(nn.Module):
    """dense + dropout + LayerNorm(residual): the shape of both BertSelfOutput and BertOutput."""

    def __init__(self, inner, hidden):
        super().__init__()
        self.dense = nn.Linear(inner, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class BertAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.self = BertSelfAttention(hidden, heads)
        self.output = BertOutput(hidden, hidden)

    def forward(self, x, mask_bias):
        return self.output(self.self(x, mask_bias), x)


class BertIntermediate(nn.Module):
    def __init__(self, hidden, inner):
        super().__init__()
        self.dense = nn.Linear(hidden, inner)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, inner):
        super().__init__()
        self.attention = BertAttention(hidden, heads)
        self.intermediate = BertIntermediate(hidden, inner)
        self.output = BertOutput(inner, hidden)

    def forward(self, x, mask_bias):
        x = self.attention(x, mask_bias)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, hidden, layers, heads, inner):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(hidden, heads, inner) for _ in range(layers)])


class BertModel(nn.Module):
    """bert-base-uncased as GRAM runs it for captions: bidirectional with a padding mask, no cross-attention input
    (the crossattention weights of GRAM's is_decoder config are never used for text alone and are not loaded)."""

    def __init__(self, vocab, hidden, layers, heads, inner, max_positions, type_vocab):
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, hidden, max_positions, type_vocab)
        self.encoder = BertEncoder(hidden, layers, heads, inner)

    def forward(self, input_ids, attention_mask):
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, mask_bias)
        return x


class TextEncoder(nn.Module):
    """The CLS token of the last layer through contra_head_t (GRAM pool_text_for_contra)."""

    def __init__(self, bert, head):
        super().__init__()
        self.bert, self.head = bert, head

    def forward(self, input_ids, attention_mask):
        return self.head(self.bert(input_ids, attention_mask)[:, 0])


class SamePad(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.remove = 1 if kernel_size % 2 == 0 else 0

    def forward(self, x):
        return x[:, :, :-self.remove] if self.remove else x


class BeatsAttention(nn.Module):
    """fairseq-style attention with BEATs' gated relative position bias (gru_rel_pos)."""

    def __init__(self, width, heads, num_buckets, max_distance):
        super().__init__()
        self.heads, self.num_buckets, self.max_distance = heads, num_buckets, max_distance
        self.scale = (width // heads) ** -0.5
        self.relative_attention_bias = nn.Embedding(num_buckets, heads)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.q_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)
        self.grep_linear = nn.Linear(width // heads, 8)
        self.grep_a = nn.Parameter(torch.ones(1, heads, 1, 1))

    def position_bias(self, length):
        """(heads, length, length) bias from bidirectional log-spaced buckets of the relative position (T5-style)."""
        positions = torch.arange(length, dtype=torch.long)
        relative = positions[None, :] - positions[:, None]
        half = self.num_buckets // 2
        buckets = (relative > 0).to(torch.long) * half
        relative = relative.abs()
        max_exact = half // 2
        large = max_exact + (torch.log(relative.float() / max_exact) / math.log(self.max_distance / max_exact)
                             * (half - max_exact)).to(torch.long)
        large = torch.min(large, torch.full_like(large, half - 1))
        buckets = buckets + torch.where(relative < max_exact, relative, large)
        return self.relative_attention_bias(buckets).permute(2, 0, 1)

    def forward(self, x, bias):
        batch, length, width = x.shape
        split = lambda t: t.reshape(batch, length, self.heads, -1).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        logits = q @ k.transpose(-1, -2) * self.scale
        gate_a, gate_b = torch.sigmoid(
            self.grep_linear(q).reshape(batch, self.heads, length, 2, 4).sum(-1)).chunk(2, dim=-1)
        gate = gate_a * (gate_b * self.grep_a - 1.0) + 2.0
        weights = torch.softmax(logits + gate * bias[None], dim=-1)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(batch, length, width))


class BeatsLayer(nn.Module):
    """Post-norm layer with DeepNorm residual scaling (deep_norm=True, layer_norm_first=False in BEATs iter3+)."""

    def __init__(self, width, heads, ffn, num_buckets, max_distance, layers):
        super().__init__()
        self.self_attn = BeatsAttention(width, heads, num_buckets, max_distance)
        self.self_attn_layer_norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, ffn)
        self.fc2 = nn.Linear(ffn, width)
        self.final_layer_norm = nn.LayerNorm(width)
        self.deep_norm_alpha = math.pow(2 * layers, 1 / 4)

    def forward(self, x, bias):
        x = self.self_attn_layer_norm(x * self.deep_norm_alpha + self.self_attn(x, bias))
        return self.final_layer_norm(x * self.deep_norm_alpha + self.fc2(F.gelu(self.fc1(x))))


class BeatsEncoder(nn.Module):
    def __init__(self, width, layers, heads, ffn, conv_pos, conv_pos_groups, num_buckets, max_distance):
        super().__init__()
        conv = weight_norm(nn.Conv1d(width, width, conv_pos, padding=conv_pos // 2, groups=conv_pos_groups), dim=2)
        self.pos_conv = nn.Sequential(conv, SamePad(conv_pos), nn.GELU())
        self.layers = nn.ModuleList([BeatsLayer(width, heads, ffn, num_buckets, max_distance, layers)
                                     for _ in range(layers)])
        # BEATs computes the bucket bias once, in layer 0, and every layer holds (a reference to) the same table.
        for layer in self.layers[1:]:
            layer.self_attn.relative_attention_bias = self.layers[0].self_attn.relative_attention_bias
        self.layer_norm = nn.LayerNorm(width)

    def forward(self, x):
        x = self.layer_norm(x + self.pos_conv(x.transpose(1, 2)).transpose(1, 2))
        bias = self.layers[0].self_attn.position_bias(x.shape[1])
        for layer in self.layers:
            x = layer(x, bias)
        return x


class Beats(nn.Module):
    def __init__(self, patch, patch_dim, width, layers, heads, ffn, conv_pos, conv_pos_groups, num_buckets,
                 max_distance, conv_bias=False):
        super().__init__()
        self.patch_embedding = nn.Conv2d(1, patch_dim, kernel_size=patch, stride=patch, bias=conv_bias)
        self.layer_norm = nn.LayerNorm(patch_dim)
        self.post_extract_proj = nn.Linear(patch_dim, width)
        self.encoder = BeatsEncoder(width, layers, heads, ffn, conv_pos, conv_pos_groups, num_buckets, max_distance)

    def forward(self, fbank):
        features = self.patch_embedding(fbank.unsqueeze(1))
        features = features.reshape(features.shape[0], features.shape[1], -1).transpose(1, 2)
        return self.encoder(self.post_extract_proj(self.layer_norm(features)))


class AudioEncoder(nn.Module):
    """Mean over BEATs' output tokens through contra_head_a (GRAM pool_audio_for_contra, one 1024-frame slice)."""

    def __init__(self, beats, head):
        super().__init__()
        self.beats, self.head = beats, head

    def forward(self, fbank):
        return self.head(self.beats(fbank).mean(dim=1))


class Projector(nn.Module):
    """One cross-attention token per GRAM embedding, each modality with its own trained Linear(gram, token):
    position m of the input uses the m-th modality of pack.json's conditioning.modalities."""

    def __init__(self, weights, biases):
        super().__init__()
        self.weight = nn.Parameter(torch.stack(weights))  # (modalities, token, gram)
        self.bias = nn.Parameter(torch.stack(biases))  # (modalities, token)

    def forward(self, embeddings):
        m = embeddings.shape[1]
        tokens = embeddings.unsqueeze(2) @ self.weight[:m].transpose(1, 2).unsqueeze(0)
        return tokens.squeeze(2) + self.bias[:m]


# ---------------------------------------------------------------------------------------------------------------
# Building the pack's models from checkpoints


@dataclasses.dataclass
class Heads:
    """What the checkpoints' shapes do not tell: attention heads and BEATs' bucket range (real defaults)."""
    vision: int = 16  # EVA01-CLIP-g-14: width 1408 / head_width 88
    text: int = 12  # bert-base-uncased
    audio: int = 12  # BEATs iter3+
    beats_max_distance: int = 800  # BEATs iter3+ cfg (UNCONFIRMED for the GRAM checkpoint, see README)


def build_video_encoder(gram, heads):
    visual = subtree(gram, ["vision_encoder.visual.", "visual."], "cls_token", "GRAM vision tower")
    width, patch = visual["cls_token"].shape[-1], visual["patch_embed.proj.weight"].shape[-1]
    image_size = round(math.sqrt(visual["pos_embed"].shape[1] - 1)) * patch
    tower = EvaVisionTransformer(image_size, patch, width, count_indexed(visual, "blocks.{}.norm1.weight"),
                                 heads.vision, visual["blocks.0.mlp.fc1.weight"].shape[0],
                                 visual["head.weight"].shape[0])
    load_strict(tower, visual, "GRAM vision tower")
    head_weight = gram["contra_head_v.linear.weight"]
    head = ContraHead(width, head_weight.shape[0])
    head.linear.weight.data.copy_(head_weight)
    return VideoEncoder(tower, head), image_size


def build_text_encoder(gram, heads):
    bert_state = subtree(gram, ["multimodal_encoder.bert.", "bert."], "embeddings.word_embeddings.weight",
                         "GRAM text encoder")
    vocab, hidden = bert_state["embeddings.word_embeddings.weight"].shape
    bert = BertModel(vocab, hidden, count_indexed(bert_state, "encoder.layer.{}.attention.self.query.weight"),
                     heads.text, bert_state["encoder.layer.0.intermediate.dense.weight"].shape[0],
                     bert_state["embeddings.position_embeddings.weight"].shape[0],
                     bert_state["embeddings.token_type_embeddings.weight"].shape[0])
    load_strict(bert, bert_state, "GRAM text encoder",
                ignore=[r"\.crossattention\.", r"^embeddings\.(position_ids|token_type_ids)$", r"^pooler\."])
    head_weight = gram["contra_head_t.linear.weight"]
    head = ContraHead(hidden, head_weight.shape[0])
    head.linear.weight.data.copy_(head_weight)
    return TextEncoder(bert, head), vocab


def build_audio_encoder(gram, heads):
    beats_state = subtree(gram, ["audio_encoder.", "beats."], "patch_embedding.weight", "GRAM audio encoder")
    patch_weight = beats_state["patch_embedding.weight"]
    conv_weight = beats_state["encoder.pos_conv.0.weight_v"]
    width = beats_state["post_extract_proj.weight"].shape[0]
    beats = Beats(patch_weight.shape[-1], patch_weight.shape[0], width,
                  count_indexed(beats_state, "encoder.layers.{}.fc1.weight"), heads.audio,
                  beats_state["encoder.layers.0.fc1.weight"].shape[0], conv_weight.shape[-1],
                  width // conv_weight.shape[1],
                  beats_state["encoder.layers.0.self_attn.relative_attention_bias.weight"].shape[0],
                  heads.beats_max_distance, conv_bias="patch_embedding.bias" in beats_state)
    load_strict(beats, beats_state, "GRAM audio encoder", ignore=[r"^predictor\."])
    head_weight = gram["contra_head_a.linear.weight"]
    head = ContraHead(width, head_weight.shape[0])
    head.linear.weight.data.copy_(head_weight)
    return AudioEncoder(strip_weight_norm(beats), head)


def build_projector(controlnet_state, modalities, key_template):
    """Linear(gram, token) per modality from keys like <prefix>conditioner.conditioners.<modality>.proj_out."""
    weights, biases = [], []
    for modality in modalities:
        suffix = key_template.format(modality=modality) + ".weight"
        matches = [key for key in controlnet_state if key.endswith(suffix)]
        if len(matches) != 1:
            raise SystemExit(f"projector: expected one key ending in '{suffix}' in the ControlNet checkpoint, "
                             f"found {matches or 'none'} (set --projector-key)")
        weights.append(controlnet_state[matches[0]])
        biases.append(controlnet_state[matches[0][:-len(".weight")] + ".bias"])
    return Projector(weights, biases)


def sao_dimensions(config):
    """The parts of SAO's model_config.json the pack needs (model-facts 3.1)."""
    model = config["model"]
    pretransform = model["pretransform"]["config"]
    encoder, decoder = pretransform["encoder"]["config"], pretransform["decoder"]["config"]
    dit = model["diffusion"]["config"]
    conditioners = {c["id"]: c for c in model["conditioning"]["configs"]}
    return {
        "sample_rate": config["sample_rate"], "audio_channels": config["audio_channels"],
        "latent_dim": pretransform["latent_dim"], "downsampling": math.prod(encoder["strides"]),
        "encoder": encoder, "decoder": decoder, "dit": dit, "cond_dim": model["conditioning"]["cond_dim"],
        "seconds": {key: (conditioners[key]["config"].get("min_val", 0), conditioners[key]["config"]["max_val"])
                    for key in ("seconds_start", "seconds_total")},
    }


def build_oobleck(sao, dims):
    enc, dec = dims["encoder"], dims["decoder"]
    encoder = OobleckEncoder(enc["in_channels"], enc["channels"], enc["latent_dim"], enc["c_mults"], enc["strides"])
    decoder = OobleckDecoder(dec["out_channels"], dec["channels"], dec["latent_dim"], dec["c_mults"],
                             dec["strides"], dec.get("final_tanh", True))
    load_strict(decoder, subtree(sao, ["pretransform.model.decoder."], "layers.0.weight_g", "VAE decoder"),
                "VAE decoder")
    return encoder, strip_weight_norm(decoder)


def build_envelope_encoder(encoder, sao, controlnet_state, dims):
    """Stable-V2A's envelope conditioner holds a frozen copy of SAO's VAE encoder; the copy is used when the
    ControlNet checkpoint carries it, SAO's own encoder (the same weights) otherwise."""
    prefixes = ["model.conditioner.conditioners.envelope.pretransform.model.encoder.",
                "conditioner.conditioners.envelope.pretransform.model.encoder."]
    source = controlnet_state if any(p + "layers.0.weight_g" in controlnet_state for p in prefixes) else sao
    state = subtree(source, prefixes + ["pretransform.model.encoder."], "layers.0.weight_g", "envelope encoder")
    load_strict(encoder, state, "envelope encoder")
    return EnvelopeEncoder(strip_weight_norm(encoder), dims["latent_dim"]), source is controlnet_state


def build_dit(sao, controlnet_state, dims, seconds_tokens):
    config = dims["dit"]
    shape = dict(embed_dim=config["embed_dim"], num_heads=config["num_heads"],
                 cond_token_dim=config["cond_token_dim"], global_cond_dim=config["global_cond_dim"],
                 project_cond_tokens=config.get("project_cond_tokens", True))
    dit = SaoDiT(config["io_channels"], depth=config["depth"], **shape)
    load_strict(dit, subtree(sao, ["model.model.", "model."], "timestep_features.weight", "DiT"), "DiT")
    cn_state = subtree(controlnet_state, ["model.model.controlnet.", "model.controlnet.", "controlnet.", ""],
                       "conv_in.weight", "ControlNet")
    controlnet = ControlNet(config["io_channels"], depth=count_indexed(cn_state, "conv_outs.{}.weight"), **shape)
    load_strict(controlnet, cn_state, "ControlNet")
    seconds = []
    for key in ("seconds_start", "seconds_total"):
        conditioner = NumberConditioner(dims["cond_dim"], *dims["seconds"][key])
        load_strict(conditioner, subtree(sao, [f"conditioner.conditioners.{key}."], "embedder.embedding.0.weights",
                                         key), key)
        seconds.append(conditioner)
    return FoleyDiT(dit, controlnet, *seconds, seconds_tokens)


# ---------------------------------------------------------------------------------------------------------------
# Export, pack.json and validation


def example_inputs(name, io, vocab):
    """Small example tensors for tracing (dynamic axes stay dynamic); batch 2, 3 modalities, 4 latent frames."""
    generator = torch.Generator().manual_seed(0)
    sizes = {("x", 2): 4, ("controlnet_cond", 2): 4, ("latents", 2): 4, ("envelope", 2): 4 * 2048,
             ("cross_attn_cond", 1): 3, ("embeddings", 1): 3}
    tensors = []
    for spec in io[0]:
        shape = [2 if axis == 0 else sizes.get((spec["name"], axis), size) if size == -1 else size
                 for axis, size in enumerate(spec["shape"])]
        if spec["name"] == "input_ids":
            tensors.append(torch.randint(0, vocab, shape, generator=generator))
        elif spec["name"] == "attention_mask":
            tensors.append(torch.ones(shape, dtype=torch.int64))
        elif spec["name"] == "t":
            tensors.append(torch.rand(shape, generator=generator))
        elif spec["name"] == "controlnet_scale":
            tensors.append(torch.ones(shape))
        elif spec["name"] in ("seconds_start", "seconds_total"):
            tensors.append(torch.full(shape, 10.0))
        else:
            tensors.append(torch.randn(shape, generator=generator))
    return tuple(tensors)


def check_pack(out_dir):
    """Re-reads a written pack: every file's sha256, and every ONNX graph's inputs/outputs against both pack.json
    and the contract for the pack's own dimensions. Returns a list of problems (empty when the pack is good)."""
    with open(os.path.join(out_dir, "pack.json"), encoding="utf-8") as f:
        pack = json.load(f)
    pre = pack["preprocessing"]
    contract = contract_io(pack["latent"]["channels"], pack["audio_channels"], pack["conditioning"]["gram_dim"],
                           pack["conditioning"]["token_dim"], pre["video"]["size"], pre["text"]["max_length"],
                           pre["audio"]["target_frames"], pre["audio"]["mel_bins"])
    elem_types = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64"}
    problems = []
    for key, entry in pack["files"].items():
        for item in [entry] + ([entry["external_data"]] if "external_data" in entry else []):
            if sha256(os.path.join(out_dir, item["path"])) != item["sha256"]:
                problems.append(f"{item['path']}: sha256 differs from pack.json")
        if key not in contract:
            continue
        if (entry["inputs"], entry["outputs"]) != tuple(contract[key]):
            problems.append(f"{key}: pack.json I/O differs from the contract")
        graph = onnx.load(os.path.join(out_dir, entry["path"]), load_external_data=False).graph
        for kind, values, specs in (("input", graph.input, entry["inputs"]),
                                    ("output", graph.output, entry["outputs"])):
            actual = [{"name": v.name, "dtype": elem_types.get(v.type.tensor_type.elem_type, "other"),
                       "shape": [d.dim_value if d.HasField("dim_value") else -1
                                 for d in v.type.tensor_type.shape.dim]} for v in values]
            if actual != specs:
                problems.append(f"{entry['path']}: graph {kind}s {actual} differ from pack.json {specs}")
    return problems


def run_shapes(models, io, pack, vocab):
    """Runs every exported module once in torch at the pack's window length; returns {name: output shape}."""
    frames = int(pack["window_seconds"] * pack["sample_rate"]) // pack["latent"]["downsampling"]
    sizes = {("x", 2): frames, ("controlnet_cond", 2): frames, ("latents", 2): frames,
             ("envelope", 2): frames * pack["latent"]["downsampling"], ("cross_attn_cond", 1): 3,
             ("embeddings", 1): 3}
    shapes = {}
    with torch.no_grad():
        for name, model in models.items():
            inputs = []
            for spec in io[name][0]:
                shape = [1 if axis == 0 else sizes[(spec["name"], axis)] if size == -1 else size
                         for axis, size in enumerate(spec["shape"])]
                if spec["dtype"] == "int64":
                    inputs.append(torch.ones(shape, dtype=torch.int64) if spec["name"] == "attention_mask"
                                  else torch.randint(0, vocab, shape))
                elif spec["name"] in ("seconds_start", "seconds_total"):
                    inputs.append(torch.full(shape, float(pack["window_seconds"])))
                elif spec["name"] == "controlnet_scale":
                    inputs.append(torch.ones(shape))
                else:
                    inputs.append(torch.rand(shape) if spec["name"] == "t" else torch.randn(shape))
            output = model(*inputs)
            if not torch.isfinite(output).all():
                raise SystemExit(f"{name}: non-finite output at window length")
            shapes[name] = tuple(output.shape)
    return shapes, frames


def export_pack(args, heads, external_data_above_bytes=None):
    """Builds every model from the checkpoints, exports the pack to args.out and returns (models, io, pack)."""
    with open(args.sao_config, encoding="utf-8") as f:
        dims = sao_dimensions(json.load(f))
    print("reading checkpoints ...", flush=True)
    gram, sao, controlnet_state = (read_checkpoint(path) for path in
                                   (args.gram_checkpoint, args.sao_checkpoint, args.controlnet_checkpoint))
    modalities = args.modalities.split(",")
    video, image_size = build_video_encoder(gram, heads)
    text, vocab = build_text_encoder(gram, heads)
    audio = build_audio_encoder(gram, heads)
    projector = build_projector(controlnet_state, modalities, args.projector_key)
    encoder, decoder = build_oobleck(sao, dims)
    envelope, envelope_from_controlnet = build_envelope_encoder(encoder, sao, controlnet_state, dims)
    dit = build_dit(sao, controlnet_state, dims, args.seconds_in_cross_attention)
    models = {"video_encoder": video, "text_encoder": text, "audio_encoder": audio, "projector": projector,
              "envelope_encoder": envelope, "dit": dit, "decoder": decoder}
    for model in models.values():
        model.eval()

    gram_dim, token_dim = projector.weight.shape[2], projector.weight.shape[1]
    with open(args.tokenizer, encoding="utf-8") as f:
        tokenizer_vocab = len(json.load(f)["model"]["vocab"])
    if tokenizer_vocab != vocab:
        raise SystemExit(f"{args.tokenizer}: {tokenizer_vocab} tokens, the text encoder embeds {vocab}")
    io = contract_io(dims["latent_dim"], dims["audio_channels"], gram_dim, token_dim, image_size,
                     args.text_max_length, args.fbank_frames, args.mel_bins)

    os.makedirs(args.out, exist_ok=True)
    shutil.copyfile(args.tokenizer, os.path.join(args.out, "tokenizer.json"))
    files = {"tokenizer": file_entry(args.out, "tokenizer.json")}
    for name, model in models.items():
        print(f"exporting {name} ...", flush=True)
        inputs, outputs = io[name]
        side_file = export_onnx(model, example_inputs(name, io[name], vocab), inputs, outputs,
                                os.path.join(args.out, f"{name}.onnx"), PRODUCER, external_data_above_bytes)
        files[name] = file_entry(args.out, f"{name}.onnx", inputs, outputs, side_file)

    frame_length, hop_length = ENVELOPE_PRESETS[args.envelope_preset]
    pack = {
        "format": FORMAT,
        "name": args.name,
        "version": args.version,
        "sample_rate": dims["sample_rate"],
        "audio_channels": dims["audio_channels"],
        "window_seconds": args.window_seconds,
        "overlap_seconds": args.overlap_seconds,
        "latent": {"channels": dims["latent_dim"], "downsampling": dims["downsampling"]},
        "envelope": {"preset": args.envelope_preset, "frame_length": args.envelope_frame_length or frame_length,
                     "hop_length": args.envelope_hop_length or hop_length, "channels": args.envelope_channels,
                     "normalisation": args.envelope_normalisation, "absent_value": args.envelope_absent_value,
                     "encoding": args.envelope_encoding},
        "conditioning": {"gram_dim": gram_dim, "token_dim": token_dim, "modalities": modalities,
                         "seconds": args.seconds},
        "sampler": {"type": args.sampler, "steps": args.steps, "cfg_scale": args.cfg_scale,
                    "sigma_min": args.sigma_min, "sigma_max": args.sigma_max, "rho": args.rho},
        "preprocessing": {
            "video": {"frames_per_window": args.frames_per_window, "size": image_size, "resize": args.video_resize,
                      "mean": CLIP_MEAN, "std": CLIP_STD},
            "text": {"max_length": args.text_max_length},
            "audio": {"sample_rate": 16000, "mel_bins": args.mel_bins, "target_frames": args.fbank_frames,
                      "norm_mean": BEATS_FBANK_MEAN, "norm_std": BEATS_FBANK_STD},
        },
        # Informational (readers ignore unknown fields): where the weights came from and how the DiT was folded.
        "export": {"tool": "tools/export/export_foleygram.py",
                   "checkpoints": {"gram": os.path.basename(args.gram_checkpoint),
                                   "sao": os.path.basename(args.sao_checkpoint),
                                   "controlnet": os.path.basename(args.controlnet_checkpoint)},
                   "controlnet_blocks": len(dit.controlnet.conv_outs),
                   "seconds_in_cross_attention": args.seconds_in_cross_attention,
                   "envelope_encoder_from": "controlnet" if envelope_from_controlnet else "sao"},
        "files": files,
    }
    write_json(os.path.join(args.out, "pack.json"), pack)
    return models, io, pack, vocab


# ---------------------------------------------------------------------------------------------------------------
# Self-test: reduced-width random checkpoints in the upstream layouts, exported through export_pack


def reduced_sao_config():
    """SAO's model_config.json with the real structure and strides (downsampling 2048) at reduced width."""
    return {
        "model_type": "diffusion_cond", "sample_size": 2097152, "sample_rate": 44100, "audio_channels": 2,
        "model": {
            "pretransform": {"type": "autoencoder", "iterate_batch": True, "config": {
                "encoder": {"type": "oobleck", "config": {"in_channels": 2, "channels": 8, "c_mults": [1, 2, 4, 8, 16],
                                                           "strides": [2, 4, 4, 8, 8], "latent_dim": 16,
                                                           "use_snake": True}},
                "decoder": {"type": "oobleck", "config": {"out_channels": 2, "channels": 8, "c_mults": [1, 2, 4, 8, 16],
                                                           "strides": [2, 4, 4, 8, 8], "latent_dim": 8,
                                                           "use_snake": True, "final_tanh": False}},
                "bottleneck": {"type": "vae"}, "latent_dim": 8, "downsampling_ratio": 2048, "io_channels": 2}},
            "conditioning": {"configs": [
                {"id": "seconds_start", "type": "number", "config": {"min_val": 0, "max_val": 512}},
                {"id": "seconds_total", "type": "number", "config": {"min_val": 0, "max_val": 512}}],
                "cond_dim": 64},
            # dim_heads 64 as in SAO (partial rotary over 32 of 64 channels); a 64-wide context gives 1 kv head
            # for 2 query heads, the same grouping as SAO's 768-wide context under 24 heads.
            "diffusion": {"cross_attention_cond_ids": ["seconds_start", "seconds_total"],
                          "global_cond_ids": ["seconds_start", "seconds_total"], "type": "dit", "config": {
                              "io_channels": 8, "embed_dim": 128, "depth": 10, "num_heads": 2, "cond_token_dim": 64,
                              "global_cond_dim": 128, "project_cond_tokens": False,
                              "transformer_type": "continuous_transformer"}},
            "io_channels": 8},
    }


def prefixed(prefix, module):
    return {prefix + key: value for key, value in module.state_dict().items()}


def write_reduced_checkpoints(directory, tokenizer_path):
    """Random GRAM / SAO / ControlNet checkpoints at reduced width, with the upstream key layouts (and a few keys
    the exporter must skip), written as .pt, .safetensors and a Lightning-style .ckpt. Returns the file paths."""
    torch.manual_seed(0)
    heads = Heads(vision=4, text=4, audio=4)
    with open(tokenizer_path, encoding="utf-8") as f:
        vocab = len(json.load(f)["model"]["vocab"])
    gram = {}
    gram.update(prefixed("vision_encoder.visual.", EvaVisionTransformer(224, 14, 64, 2, heads.vision, 279, 32)))
    gram["vision_encoder.text.token_embedding.weight"] = torch.randn(10, 8)  # CLIP text tower: not exported
    gram.update(prefixed("multimodal_encoder.bert.", BertModel(vocab, 64, 2, heads.text, 256, 512, 2)))
    gram["multimodal_encoder.bert.encoder.layer.0.crossattention.self.query.weight"] = torch.randn(64, 64)
    gram["multimodal_encoder.bert.embeddings.position_ids"] = torch.arange(512)[None]
    gram.update(prefixed("audio_encoder.", Beats(16, 32, 64, 2, heads.audio, 256, 16, 4, 320, 800)))
    gram["audio_encoder.predictor.weight"] = torch.randn(527, 64)
    for modality, width in (("v", 64), ("t", 64), ("a", 64), ("s", 64)):
        gram[f"contra_head_{modality}.linear.weight"] = torch.randn(512, width) / math.sqrt(width)
    gram = {"module." + key: value for key, value in gram.items()}  # as saved from DistributedDataParallel

    dims = sao_dimensions(reduced_sao_config())
    dit_config = dims["dit"]
    shape = dict(embed_dim=dit_config["embed_dim"], num_heads=dit_config["num_heads"],
                 cond_token_dim=dit_config["cond_token_dim"], global_cond_dim=dit_config["global_cond_dim"],
                 project_cond_tokens=False)
    enc, dec = dims["encoder"], dims["decoder"]
    encoder = OobleckEncoder(enc["in_channels"], enc["channels"], enc["latent_dim"], enc["c_mults"], enc["strides"])
    sao = {}
    sao.update(prefixed("model.model.", SaoDiT(dit_config["io_channels"], depth=dit_config["depth"], **shape)))
    sao.update(prefixed("pretransform.model.encoder.", encoder))
    sao.update(prefixed("pretransform.model.decoder.", OobleckDecoder(
        dec["out_channels"], dec["channels"], dec["latent_dim"], dec["c_mults"], dec["strides"], False)))
    for key in ("seconds_start", "seconds_total"):
        sao.update(prefixed(f"conditioner.conditioners.{key}.", NumberConditioner(dims["cond_dim"], 0, 512)))

    # Stable-V2A's controlnet_depth_factor 0.2 of the DiT's depth.
    controlnet = ControlNet(dit_config["io_channels"], depth=int(0.2 * dit_config["depth"]), **shape)
    cn = prefixed("model.model.controlnet.", controlnet)
    cn.update({"model." + key: value for key, value in sao.items()})  # the frozen SAO copy inside the wrapper
    cn.update(prefixed("model.conditioner.conditioners.envelope.pretransform.model.encoder.", encoder))
    for modality in MODALITIES:
        cn.update(prefixed(f"model.conditioner.conditioners.{modality}.proj_out.",
                           nn.Linear(512, dit_config["cond_token_dim"])))

    paths = {"gram": os.path.join(directory, "gram.pt"), "sao": os.path.join(directory, "model.safetensors"),
             "sao_config": os.path.join(directory, "model_config.json"),
             "controlnet": os.path.join(directory, "controlnet.ckpt")}
    torch.save(gram, paths["gram"])
    write_safetensors(paths["sao"], sao)
    write_json(paths["sao_config"], reduced_sao_config())
    torch.save({"state_dict": cn, "epoch": 0}, paths["controlnet"])
    return paths, heads


def self_test(args):
    tiny_tokenizer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "tiny",
                                  "tokenizer.json")
    with tempfile.TemporaryDirectory() as scratch:
        paths, heads = write_reduced_checkpoints(scratch, tiny_tokenizer)
        args.gram_checkpoint, args.sao_checkpoint = paths["gram"], paths["sao"]
        args.sao_config, args.controlnet_checkpoint = paths["sao_config"], paths["controlnet"]
        args.tokenizer = tiny_tokenizer
        args.out = args.out or os.path.join(scratch, "pack")
        # The DiT's weights go to a side file, so the >2 GiB path of the real DiT and EVA tower is exercised.
        models, io, pack, vocab = export_pack(args, heads, external_data_above_bytes=4 << 20)

        problems = check_pack(args.out)
        shapes, frames = run_shapes(models, io, pack, vocab)
        dit = models["dit"]
        x, t = torch.randn(1, 8, frames), torch.tensor([0.5])
        tokens, seconds = torch.randn(1, 3, 64), torch.tensor([float(args.window_seconds)])
        with torch.no_grad():
            control, one = torch.randn(1, 8, frames), torch.ones(1)
            plain = dit(x, t, tokens, seconds * 0, seconds, torch.zeros(1, 8, frames), one)
            steered = dit(x, t, tokens, seconds * 0, seconds, control, one)
            switched_off = dit(x, t, tokens, seconds * 0, seconds, control, one * 0)
            no_control = dit.dit(x, t, tokens, torch.cat([dit.seconds_start(seconds * 0),
                                                          dit.seconds_total(seconds)], dim=-1), ())
            unconditional = dit(x, t, torch.zeros_like(tokens), seconds * 0, seconds, torch.zeros(1, 8, frames), one)
        if torch.allclose(plain, steered):
            problems.append("dit: controlnet_cond does not change v (ControlNet not wired in)")
        if not torch.allclose(switched_off, no_control, atol=1e-6):
            problems.append("dit: controlnet_scale 0 does not remove the ControlNet")
        if torch.allclose(plain, unconditional):
            problems.append("dit: cross_attn_cond does not change v")
        expected = {"video_encoder": (1, 512), "text_encoder": (1, 512), "audio_encoder": (1, 512),
                    "projector": (1, 3, 64), "envelope_encoder": (1, 16, frames), "dit": (1, 8, frames),
                    "decoder": (1, 2, frames * 2048)}
        problems += [f"{name}: torch output {shapes[name]}, contract {shape}"
                     for name, shape in expected.items() if shapes[name] != shape]

        print(f"\nself-test pack in {args.out} (window {args.window_seconds} s = {frames} latent frames)")
        for key, entry in pack["files"].items():
            size = os.path.getsize(os.path.join(args.out, entry["path"]))
            side = entry.get("external_data")
            if side:
                size += os.path.getsize(os.path.join(args.out, side["path"]))
            params = sum(p.numel() for p in models[key].parameters()) if key in models else 0
            detail = f"{params:>9,} params -> {shapes[key]}" if key in models else ""
            print(f"  {entry['path']:<24} {size / 1e6:7.2f} MB {detail}{'  (+ ' + side['path'] + ')' if side else ''}")
        if problems:
            print("FAILED:\n  " + "\n  ".join(problems))
            return 1
        print("OK: onnx.checker, sha256, graph I/O = pack.json = contract, torch run at window length, "
              "ControlNet and cross-attention both change v")
        return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--self-test", action="store_true",
                        help="export reduced-width random checkpoints and validate the pack (no weights needed)")
    parser.add_argument("--gram-checkpoint", help="GRAM checkpoint (.pt): vision_encoder, multimodal_encoder, "
                                                  "audio_encoder, contra_head_{v,t,a}")
    parser.add_argument("--sao-checkpoint", help="Stable Audio Open 1.0 model.safetensors or model.ckpt")
    parser.add_argument("--sao-config", help="SAO model_config.json (default: beside --sao-checkpoint)")
    parser.add_argument("--controlnet-checkpoint", help="trained envelope ControlNet (Lightning .ckpt or "
                                                        ".safetensors), with the GRAM projections")
    parser.add_argument("--tokenizer", help="bert-base-uncased tokenizer.json (HuggingFace tokenizers format)")
    parser.add_argument("--out", help="pack folder to write")
    parser.add_argument("--name", default="foleygram")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--window-seconds", type=float, help="default: 10 (2 with --self-test, to stay fast)")
    parser.add_argument("--overlap-seconds", type=float, default=1.0)
    parser.add_argument("--frames-per-window", type=int, default=8)
    parser.add_argument("--video-resize", choices=["squash", "short-side-centre-crop"], default="squash")
    parser.add_argument("--text-max-length", type=int, default=40)
    parser.add_argument("--mel-bins", type=int, default=128, help="BEATs fbank bins (GRAM hps.json audio_melbins)")
    parser.add_argument("--fbank-frames", type=int, default=1024)
    parser.add_argument("--modalities", default=",".join(MODALITIES),
                        help="token order of the projector, comma-separated")
    parser.add_argument("--projector-key", default="conditioner.conditioners.{modality}.proj_out",
                        help="key (suffix) of each modality's Linear(512, token) in the ControlNet checkpoint")
    parser.add_argument("--seconds-in-cross-attention", action="store_true",
                        help="append the seconds embeddings to the cross-attention tokens, as SAO does")
    parser.add_argument("--envelope-preset", choices=sorted(ENVELOPE_PRESETS), default="stable-v2a")
    parser.add_argument("--envelope-frame-length", type=int, help="default: the preset's")
    parser.add_argument("--envelope-hop-length", type=int, help="default: the preset's")
    # Conditioning conventions (models/README.md); the defaults are Stable-V2A's training setup (model-facts 2.2-2.5).
    parser.add_argument("--envelope-channels", choices=CHANNEL_LAYOUTS, default="per-channel",
                        help="per-channel: one envelope per audio channel (Stable-V2A); mono: the channel mean's")
    parser.add_argument("--envelope-normalisation", choices=NORMALISATIONS, default="audio-peak",
                        help="audio-peak: the envelope of the window's audio divided by its peak, as training "
                             "peak-normalises every chunk")
    parser.add_argument("--envelope-absent-value", type=float, default=-1.0,
                        help="what the ControlNet saw when the envelope was dropped out in training")
    parser.add_argument("--envelope-encoding", choices=ENCODINGS, default="sample",
                        help="sample: the VAE's mean + std * noise from the job's seed (Stable-V2A); mean: deterministic")
    parser.add_argument("--seconds", choices=SECONDS_CONVENTIONS, default="chunk",
                        help="chunk: seconds_start 0 and seconds_total the window length (Stable-V2A training); "
                             "video: the window's start and the whole video's length")
    parser.add_argument("--sampler", default="dpmpp-3m-sde")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--cfg-scale", type=float, default=7.0)
    parser.add_argument("--sigma-min", type=float, default=0.3)
    parser.add_argument("--sigma-max", type=float, default=500.0)
    parser.add_argument("--rho", type=float, default=1.0)
    parser.add_argument("--vision-heads", type=int, default=Heads.vision)
    parser.add_argument("--text-heads", type=int, default=Heads.text)
    parser.add_argument("--audio-heads", type=int, default=Heads.audio)
    parser.add_argument("--beats-max-distance", type=int, default=Heads.beats_max_distance)
    args = parser.parse_args(argv)
    if args.window_seconds is None:
        args.window_seconds = 2.0 if args.self_test else 10.0
    if args.self_test:
        return args
    missing = [flag for flag in ("gram_checkpoint", "sao_checkpoint", "controlnet_checkpoint", "tokenizer", "out")
               if getattr(args, flag) is None]
    if missing:
        parser.error("missing " + ", ".join("--" + flag.replace("_", "-") for flag in missing))
    args.sao_config = args.sao_config or os.path.join(os.path.dirname(args.sao_checkpoint), "model_config.json")
    return args


def main(argv):
    args = parse_args(argv)
    if args.self_test:
        return self_test(args)
    heads = Heads(args.vision_heads, args.text_heads, args.audio_heads, args.beats_max_distance)
    models, io, pack, vocab = export_pack(args, heads)
    problems = check_pack(args.out)
    if problems:
        print("pack check FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"wrote {args.out}: {pack['name']}@{pack['version']}, "
          f"{pack['export']['controlnet_blocks']} ControlNet blocks, files {sorted(pack['files'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
