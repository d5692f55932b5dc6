"""Builds every FoleyGRAM module from a dimensions dict, so the exporter (with checkpoint weights loaded afterwards)
and a trainer (from random initialisation, at any width) construct the same networks.

A dimensions dict is `sao_dimensions(model_config)` (the parts of Stable Audio Open's model_config.json the pack
needs) plus what that file does not hold:
  controlnet_depth  blocks of the envelope ControlNet (Stable-V2A: 0.2 of the DiT's depth)
  seconds_tokens    whether the seconds embeddings are appended to the cross-attention tokens, as SAO does
  modalities        the projector's token order, e.g. ["video", "text", "audio"]
  gram              {"contra_dim": .., "vision": {..}, "text": {..}, "audio": {..}}: the GRAM towers (keys below)
`reduced_dimensions` is a complete example at reduced width; `build_pack_models` builds the pack's seven modules.
"""

import math

from torch import nn

from .dit import ControlNet, FoleyDiT, NumberConditioner, Projector, SaoDiT
from .gram import AudioEncoder, Beats, BertModel, ContraHead, EvaVisionTransformer, TextEncoder, VideoEncoder
from .oobleck import EnvelopeEncoder, OobleckDecoder, OobleckEncoder

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


# ---------------------------------------------------------------------------------------------------------------
# Stable Audio Open: VAE, DiT, ControlNet, seconds conditioners


def oobleck_encoder(encoder):
    """`encoder` is model_config.json's pretransform encoder config; its latent_dim is twice the VAE's (moments)."""
    return OobleckEncoder(encoder["in_channels"], encoder["channels"], encoder["latent_dim"], encoder["c_mults"],
                          encoder["strides"])


def oobleck_decoder(decoder):
    return OobleckDecoder(decoder["out_channels"], decoder["channels"], decoder["latent_dim"], decoder["c_mults"],
                          decoder["strides"], decoder.get("final_tanh", True))


def envelope_encoder(dims):
    """The ControlNet's envelope encoder: a copy of the VAE encoder that outputs the (mean, scale) moments."""
    return EnvelopeEncoder(oobleck_encoder(dims["encoder"]), dims["latent_dim"])


def _dit_shape(dit):
    return dict(embed_dim=dit["embed_dim"], num_heads=dit["num_heads"], cond_token_dim=dit["cond_token_dim"],
                global_cond_dim=dit["global_cond_dim"], project_cond_tokens=dit.get("project_cond_tokens", True))


def sao_dit(dit):
    """`dit` is model_config.json's diffusion config."""
    return SaoDiT(dit["io_channels"], depth=dit["depth"], **_dit_shape(dit))


def controlnet(dit, depth):
    return ControlNet(dit["io_channels"], depth=depth, **_dit_shape(dit))


def seconds_conditioner(dims, key):
    """`key` is seconds_start or seconds_total."""
    return NumberConditioner(dims["cond_dim"], *dims["seconds"][key])


def foley_dit(dims):
    return FoleyDiT(sao_dit(dims["dit"]), controlnet(dims["dit"], dims["controlnet_depth"]),
                    seconds_conditioner(dims, "seconds_start"), seconds_conditioner(dims, "seconds_total"),
                    dims["seconds_tokens"])


def projector(dims):
    """One Linear(contra_dim, cond_token_dim) per modality, initialised as nn.Linear is."""
    linears = [nn.Linear(dims["gram"]["contra_dim"], dims["dit"]["cond_token_dim"]) for _ in dims["modalities"]]
    return Projector([linear.weight.data for linear in linears], [linear.bias.data for linear in linears])


# ---------------------------------------------------------------------------------------------------------------
# GRAM towers and the encoders as the pack exports them (tower -> pooling -> contrastive head)


def eva_vision_tower(vision):
    """vision: image_size, patch, width, depth, heads, mlp_hidden, clip_dim (CLIP's image projection, unused)."""
    return EvaVisionTransformer(vision["image_size"], vision["patch"], vision["width"], vision["depth"],
                                vision["heads"], vision["mlp_hidden"], vision["clip_dim"])


def bert(text):
    """text: vocab, hidden, layers, heads, inner, max_positions, type_vocab."""
    return BertModel(text["vocab"], text["hidden"], text["layers"], text["heads"], text["inner"],
                     text["max_positions"], text["type_vocab"])


def beats(audio):
    """audio: patch, patch_dim, width, layers, heads, ffn, conv_pos, conv_pos_groups, num_buckets, max_distance,
    conv_bias."""
    return Beats(audio["patch"], audio["patch_dim"], audio["width"], audio["layers"], audio["heads"], audio["ffn"],
                 audio["conv_pos"], audio["conv_pos_groups"], audio["num_buckets"], audio["max_distance"],
                 audio["conv_bias"])


def video_encoder(gram):
    return VideoEncoder(eva_vision_tower(gram["vision"]), ContraHead(gram["vision"]["width"], gram["contra_dim"]))


def text_encoder(gram):
    return TextEncoder(bert(gram["text"]), ContraHead(gram["text"]["hidden"], gram["contra_dim"]))


def audio_encoder(gram):
    return AudioEncoder(beats(gram["audio"]), ContraHead(gram["audio"]["width"], gram["contra_dim"]))


def build_pack_models(dims):
    """The pack's seven modules by their pack.json keys, randomly initialised, with weight norm still in place."""
    gram = dims["gram"]
    return {"video_encoder": video_encoder(gram), "text_encoder": text_encoder(gram),
            "audio_encoder": audio_encoder(gram), "projector": projector(dims), "envelope_encoder": envelope_encoder(dims), "dit": foley_dit(dims),
            "decoder": oobleck_decoder(dims["decoder"])}


# ---------------------------------------------------------------------------------------------------------------
# Reduced width: the real structure (strides, head width, grouped cross-attention heads) at a size CPUs train


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


def reduced_gram_dimensions(vocab):
    """GRAM's towers at width 64, 2 layers, 4 heads; the real image size, patches and BEATs bucket layout."""
    return {
        "contra_dim": 512,
        "vision": {"image_size": 224, "patch": 14, "width": 64, "depth": 2, "heads": 4, "mlp_hidden": 279,
                   "clip_dim": 32},
        "text": {"vocab": vocab, "hidden": 64, "layers": 2, "heads": 4, "inner": 256, "max_positions": 512,
                 "type_vocab": 2},
        "audio": {"patch": 16, "patch_dim": 32, "width": 64, "layers": 2, "heads": 4, "ffn": 256, "conv_pos": 16,
                  "conv_pos_groups": 4, "num_buckets": 320, "max_distance": 800, "conv_bias": False},
    }


def reduced_dimensions(vocab, modalities=("video", "text", "audio")):
    """A complete dimensions dict at reduced width; `vocab` is the tokenizer's size."""
    dims = sao_dimensions(reduced_sao_config())
    dims.update(controlnet_depth=int(0.2 * dims["dit"]["depth"]),  # Stable-V2A's controlnet_depth_factor
                seconds_tokens=False, modalities=list(modalities), gram=reduced_gram_dimensions(vocab))
    return dims
