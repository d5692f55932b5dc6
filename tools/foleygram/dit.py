"""Stable Audio Open's DiT, the envelope ControlNet and their conditioners, in plain PyTorch.

Module and parameter names follow the upstream code (stable-audio-tools models/dit.py, transformer.py, blocks.py,
adp.py, conditioners.py; stable-audio-controlnet main/controlnet/controlnet.py, transformer.py), so the real
checkpoints load with strict key matching. `FoleyDiT` is the pack's `dit`: seconds conditioners, ControlNet and DiT
in one module; `Projector` turns GRAM embeddings into its cross-attention tokens.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F


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
        out = self.attend(q, k, v).transpose(1, 2)
        return self.to_out(out.reshape(out.shape[0], out.shape[1], -1))

    def attend(self, q, k, v):
        """softmax(q k^T * scale) v over (batch, heads, length, dim_heads), written out as the ONNX graph holds it."""
        weights = torch.softmax(q @ k.transpose(-1, -2) * self.scale, dim=-1)
        return weights @ v


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
