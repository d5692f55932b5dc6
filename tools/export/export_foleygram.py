#!/usr/bin/python3
"""Exports FoleyGRAM (GRAM encoders + Stable Audio Open + envelope ControlNet) checkpoints to a FoleyStream pack.

The pack follows contract v2 (models/README.md): video/text/audio encoders, the GRAM->token projector, the
envelope encoder, the DiT with the ControlNet folded in, and the VAE decoder, as ONNX (opset 17), plus
tokenizer.json and pack.json. The networks live in tools/foleygram/ (plain PyTorch with the module names of the
upstream code: stable-audio-tools, stable-audio-controlnet / Stable-V2A, GRAM's EVA-CLIP, BERT and BEATs), so the
real checkpoints load with strict key matching; tools/export/README.md says which parts are faithful. This script
reads the checkpoints, derives every dimension from their tensor shapes, builds the modules with
foleygram.config, loads the weights, exports and validates.

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
from torch.nn.utils import remove_weight_norm

EXPORT_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [EXPORT_DIR, os.path.dirname(EXPORT_DIR)]  # packlib beside this file, the foleygram package in tools/
from foleygram import config  # noqa: E402
from foleygram.dit import Projector  # noqa: E402
from packlib import (  # noqa: E402
    BEATS_FBANK_MEAN, BEATS_FBANK_STD, CLIP_MEAN, CLIP_STD, ENVELOPE_CHANNELS as CHANNEL_LAYOUTS,
    ENVELOPE_ENCODINGS as ENCODINGS, ENVELOPE_NORMALISATIONS as NORMALISATIONS, FORMAT, FORMAT_V3, SECONDS_CONVENTIONS,
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
# Building the pack's models from checkpoints: dimensions from the tensors' shapes, modules from tools/foleygram


@dataclasses.dataclass
class Heads:
    """What the checkpoints' shapes do not tell: attention heads and BEATs' bucket range (real defaults)."""
    vision: int = 16  # EVA01-CLIP-g-14: width 1408 / head_width 88
    text: int = 12  # bert-base-uncased
    audio: int = 12  # BEATs iter3+
    beats_max_distance: int = 800  # BEATs iter3+ cfg (UNCONFIRMED for the GRAM checkpoint, see README)


def gram_towers(gram):
    """The state dicts of GRAM's vision, text and audio towers, their prefixes stripped."""
    return {"vision": subtree(gram, ["vision_encoder.visual.", "visual."], "cls_token", "GRAM vision tower"),
            "text": subtree(gram, ["multimodal_encoder.bert.", "bert."], "embeddings.word_embeddings.weight",
                            "GRAM text encoder"),
            "audio": subtree(gram, ["audio_encoder.", "beats."], "patch_embedding.weight", "GRAM audio encoder")}


def gram_dimensions(towers, contra_dim, heads):
    """foleygram.config's `gram` dimensions, read from the towers' tensor shapes (heads from `heads`)."""
    visual, text, audio = towers["vision"], towers["text"], towers["audio"]
    patch = visual["patch_embed.proj.weight"].shape[-1]
    vocab, hidden = text["embeddings.word_embeddings.weight"].shape
    patch_weight, conv_weight = audio["patch_embedding.weight"], audio["encoder.pos_conv.0.weight_v"]
    width = audio["post_extract_proj.weight"].shape[0]
    return {
        "contra_dim": contra_dim,
        "vision": {"image_size": round(math.sqrt(visual["pos_embed"].shape[1] - 1)) * patch, "patch": patch,
                   "width": visual["cls_token"].shape[-1], "depth": count_indexed(visual, "blocks.{}.norm1.weight"),
                   "heads": heads.vision, "mlp_hidden": visual["blocks.0.mlp.fc1.weight"].shape[0],
                   "clip_dim": visual["head.weight"].shape[0]},
        "text": {"vocab": vocab, "hidden": hidden,
                 "layers": count_indexed(text, "encoder.layer.{}.attention.self.query.weight"), "heads": heads.text,
                 "inner": text["encoder.layer.0.intermediate.dense.weight"].shape[0],
                 "max_positions": text["embeddings.position_embeddings.weight"].shape[0],
                 "type_vocab": text["embeddings.token_type_embeddings.weight"].shape[0]},
        "audio": {"patch": patch_weight.shape[-1], "patch_dim": patch_weight.shape[0], "width": width,
                  "layers": count_indexed(audio, "encoder.layers.{}.fc1.weight"), "heads": heads.audio,
                  "ffn": audio["encoder.layers.0.fc1.weight"].shape[0], "conv_pos": conv_weight.shape[-1],
                  "conv_pos_groups": width // conv_weight.shape[1],
                  "num_buckets": audio["encoder.layers.0.self_attn.relative_attention_bias.weight"].shape[0],
                  "max_distance": heads.beats_max_distance, "conv_bias": "patch_embedding.bias" in audio},
    }


def build_gram_encoders(gram, heads):
    """The video, text and audio encoders with GRAM's weights, and their dimensions."""
    towers = gram_towers(gram)
    dims = gram_dimensions(towers, gram["contra_head_v.linear.weight"].shape[0], heads)
    video, text, audio = config.video_encoder(dims), config.text_encoder(dims), config.audio_encoder(dims)
    load_strict(video.visual, towers["vision"], "GRAM vision tower")
    load_strict(text.bert, towers["text"], "GRAM text encoder",
                ignore=[r"\.crossattention\.", r"^embeddings\.(position_ids|token_type_ids)$", r"^pooler\."])
    load_strict(audio.beats, towers["audio"], "GRAM audio encoder", ignore=[r"^predictor\."])
    for encoder, modality in ((video, "v"), (text, "t"), (audio, "a")):
        encoder.head.linear.weight.data.copy_(gram[f"contra_head_{modality}.linear.weight"])
    strip_weight_norm(audio)
    return video, text, audio, dims


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


def build_decoder(sao, dims):
    decoder = config.oobleck_decoder(dims["decoder"])
    load_strict(decoder, subtree(sao, ["pretransform.model.decoder."], "layers.0.weight_g", "VAE decoder"),
                "VAE decoder")
    return strip_weight_norm(decoder)


def build_envelope_encoder(sao, controlnet_state, dims):
    """Stable-V2A's envelope conditioner holds a frozen copy of SAO's VAE encoder; the copy is used when the
    ControlNet checkpoint carries it, SAO's own encoder (the same weights) otherwise."""
    prefixes = ["model.conditioner.conditioners.envelope.pretransform.model.encoder.",
                "conditioner.conditioners.envelope.pretransform.model.encoder."]
    source = controlnet_state if any(p + "layers.0.weight_g" in controlnet_state for p in prefixes) else sao
    state = subtree(source, prefixes + ["pretransform.model.encoder."], "layers.0.weight_g", "envelope encoder")
    envelope = config.envelope_encoder(dims)
    load_strict(envelope.encoder, state, "envelope encoder")
    return strip_weight_norm(envelope), source is controlnet_state


def build_dit(sao, controlnet_state, dims, seconds_tokens):
    """FoleyDiT with SAO's DiT and seconds conditioners and the ControlNet (its depth counted from conv_outs)."""
    dit_state = subtree(sao, ["model.model.", "model."], "timestep_features.weight", "DiT")
    cn_state = subtree(controlnet_state, ["model.model.controlnet.", "model.controlnet.", "controlnet.", ""],
                       "conv_in.weight", "ControlNet")
    dit = config.foley_dit(dict(dims, controlnet_depth=count_indexed(cn_state, "conv_outs.{}.weight"),
                                seconds_tokens=seconds_tokens))
    load_strict(dit.dit, dit_state, "DiT")
    load_strict(dit.controlnet, cn_state, "ControlNet")
    for key in ("seconds_start", "seconds_total"):
        load_strict(getattr(dit, key), subtree(sao, [f"conditioner.conditioners.{key}."],
                                               "embedder.embedding.0.weights", key), key)
    return dit


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
        dims = config.sao_dimensions(json.load(f))
    print("reading checkpoints ...", flush=True)
    gram, sao, controlnet_state = (read_checkpoint(path) for path in
                                   (args.gram_checkpoint, args.sao_checkpoint, args.controlnet_checkpoint))
    modalities = args.modalities.split(",")
    video, text, audio, gram_dims = build_gram_encoders(gram, heads)
    image_size, vocab = gram_dims["vision"]["image_size"], gram_dims["text"]["vocab"]
    projector = build_projector(controlnet_state, modalities, args.projector_key)
    decoder = build_decoder(sao, dims)
    envelope, envelope_from_controlnet = build_envelope_encoder(sao, controlnet_state, dims)
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
        "format": FORMAT_V3 if args.envelope_picture_coding else FORMAT,
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
                     "encoding": args.envelope_encoding,
                     **({"picture_peak": args.envelope_picture_peak} if args.envelope_picture_peak else {}),
                     **({"picture_coding": args.envelope_picture_coding} if args.envelope_picture_coding else {})},
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


def prefixed(prefix, module):
    return {prefix + key: value for key, value in module.state_dict().items()}


def write_reduced_checkpoints(directory, tokenizer_path):
    """Random GRAM / SAO / ControlNet checkpoints at foleygram.config's reduced width, built by its factories (as a
    trainer builds them), with the upstream key layouts (and a few keys the exporter must skip), written as .pt,
    .safetensors and a Lightning-style .ckpt. Returns the file paths and the heads the exporter must be told."""
    torch.manual_seed(0)
    with open(tokenizer_path, encoding="utf-8") as f:
        vocab = len(json.load(f)["model"]["vocab"])
    dims = config.reduced_dimensions(vocab, MODALITIES)
    vision, text, audio = (dims["gram"][tower] for tower in ("vision", "text", "audio"))
    heads = Heads(vision=vision["heads"], text=text["heads"], audio=audio["heads"],
                  beats_max_distance=audio["max_distance"])
    gram = {}
    gram.update(prefixed("vision_encoder.visual.", config.eva_vision_tower(vision)))
    gram["vision_encoder.text.token_embedding.weight"] = torch.randn(10, 8)  # CLIP text tower: not exported
    gram.update(prefixed("multimodal_encoder.bert.", config.bert(text)))
    gram["multimodal_encoder.bert.encoder.layer.0.crossattention.self.query.weight"] = torch.randn(
        text["hidden"], text["hidden"])
    gram["multimodal_encoder.bert.embeddings.position_ids"] = torch.arange(text["max_positions"])[None]
    gram.update(prefixed("audio_encoder.", config.beats(audio)))
    gram["audio_encoder.predictor.weight"] = torch.randn(527, audio["width"])
    contra_dim = dims["gram"]["contra_dim"]
    for modality, width in (("v", vision["width"]), ("t", text["hidden"]), ("a", audio["width"]), ("s", 64)):
        gram[f"contra_head_{modality}.linear.weight"] = torch.randn(contra_dim, width) / math.sqrt(width)
    gram = {"module." + key: value for key, value in gram.items()}  # as saved from DistributedDataParallel

    encoder = config.oobleck_encoder(dims["encoder"])
    sao = {}
    sao.update(prefixed("model.model.", config.sao_dit(dims["dit"])))
    sao.update(prefixed("pretransform.model.encoder.", encoder))
    sao.update(prefixed("pretransform.model.decoder.", config.oobleck_decoder(dims["decoder"])))
    for key in ("seconds_start", "seconds_total"):
        sao.update(prefixed(f"conditioner.conditioners.{key}.", config.seconds_conditioner(dims, key)))

    cn = prefixed("model.model.controlnet.", config.controlnet(dims["dit"], dims["controlnet_depth"]))
    cn.update({"model." + key: value for key, value in sao.items()})  # the frozen SAO copy inside the wrapper
    cn.update(prefixed("model.conditioner.conditioners.envelope.pretransform.model.encoder.", encoder))
    for modality in MODALITIES:
        cn.update(prefixed(f"model.conditioner.conditioners.{modality}.proj_out.",
                           nn.Linear(dims["gram"]["contra_dim"], dims["dit"]["cond_token_dim"])))

    paths = {"gram": os.path.join(directory, "gram.pt"), "sao": os.path.join(directory, "model.safetensors"),
             "sao_config": os.path.join(directory, "model_config.json"),
             "controlnet": os.path.join(directory, "controlnet.ckpt")}
    torch.save(gram, paths["gram"])
    write_safetensors(paths["sao"], sao)
    write_json(paths["sao_config"], config.reduced_sao_config())
    torch.save({"state_dict": cn, "epoch": 0}, paths["controlnet"])
    return paths, heads


def self_test(args):
    tiny_tokenizer = os.path.join(EXPORT_DIR, "..", "..", "models", "tiny", "tokenizer.json")
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
    parser.add_argument("--envelope-picture-peak", type=float,
                        help="under audio-peak normalisation, the window peak an envelope read from the picture is "
                             "given: the median window peak of the training envelopes (pack default 0.34 if unset)")
    parser.add_argument("--envelope-picture-coding", choices=("peak", "absent-offset"),
                        help="how an envelope read from the picture reaches the ControlNet: peak (scaled to the "
                             "picture peak; the default) or absent-offset (added to the absent value, for a ControlNet "
                             "trained on picture envelopes so coded)")
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
