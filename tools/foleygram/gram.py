"""GRAM's encoders as FoleyStream exports them: the EVA01-CLIP vision tower, BERT and BEATs (ispamm/GRAM
model/vision_encoders/evaclip/eva_vit_model.py, model/text_encoders/bert/bert.py, model/audio_encoders/beats/beats.py),
each pooled as GRAM pools it for the contrastive loss and passed through its bias-free contrastive head.

Module and parameter names follow the upstream code, so GRAM's checkpoint loads with strict key matching.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import weight_norm


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
