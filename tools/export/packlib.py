"""Writing a FoleyStream model pack (contract v2, models/README.md): ONNX export with the contract's tensor names
and shapes stamped on the graph, sha256 of every file, and pack.json.

Shared by make_tiny_pack.py (the random-weight test pack) and export_foleygram.py (real checkpoints), so that both
write packs the same way. Needs torch and onnx (Debian's python3-torch and python3-onnx).
"""

import hashlib
import json
import os
import tempfile

import onnx
import torch
from google.protobuf.message import EncodeError

OPSET = 17
FORMAT = "foleystream-pack/2"
# v2 plus envelope.picture_coding; a pack that sets it is v3, so that a reader of v2 alone refuses it
FORMAT_V3 = "foleystream-pack/3"
# The conventions a pack's ControlNet and DiT were trained with (models/README.md, "Conditioning conventions").
SECONDS_CONVENTIONS = ("chunk", "video")
ENVELOPE_CHANNELS = ("mono", "per-channel")
ENVELOPE_NORMALISATIONS = ("none", "audio-peak")
ENVELOPE_ENCODINGS = ("mean", "sample")
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
# BEATs' fbank statistics: the audio encoder reads (fbank - mean) / (2 * std).
BEATS_FBANK_MEAN = 15.41663
BEATS_FBANK_STD = 6.55582
# protobuf cannot serialise a message over 2 GiB; bigger models keep their weights in a side file.
PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1

# What each dynamic axis means, by tensor name and axis: used to name ONNX dim_params.
DIM_NAMES = {
    ("x", 2): "frames", ("controlnet_cond", 2): "frames", ("v", 2): "frames", ("latents", 2): "frames",
    ("moments", 2): "frames",
    ("envelope", 2): "samples", ("audio", 2): "samples",
    ("cross_attn_cond", 1): "modalities", ("embeddings", 1): "modalities", ("tokens", 1): "modalities",
}


def tensor_spec(name, dtype, shape):
    return {"name": name, "dtype": dtype, "shape": shape}


def contract_io(channels, audio_channels, gram_dim, token_dim, image_size, text_length, fbank_frames, mel_bins):
    """Every model's (inputs, outputs) as pack.json lists them, for a pack with these dimensions (-1 = dynamic)."""
    f32 = lambda name, *shape: tensor_spec(name, "float32", list(shape))  # noqa: E731
    i64 = lambda name, *shape: tensor_spec(name, "int64", list(shape))  # noqa: E731
    return {
        "video_encoder": ([f32("pixel_values", -1, 3, image_size, image_size)], [f32("embeddings", -1, gram_dim)]),
        "text_encoder": ([i64("input_ids", -1, text_length), i64("attention_mask", -1, text_length)],
                         [f32("embeddings", -1, gram_dim)]),
        "audio_encoder": ([f32("fbank", -1, fbank_frames, mel_bins)], [f32("embeddings", -1, gram_dim)]),
        "projector": ([f32("embeddings", -1, -1, gram_dim)], [f32("tokens", -1, -1, token_dim)]),
        "envelope_encoder": ([f32("envelope", -1, audio_channels, -1)], [f32("moments", -1, 2 * channels, -1)]),
        "dit": ([f32("x", -1, channels, -1), f32("t", -1), f32("cross_attn_cond", -1, -1, token_dim),
                 f32("seconds_start", -1), f32("seconds_total", -1), f32("controlnet_cond", -1, channels, -1),
                 f32("controlnet_scale", -1)],
                [f32("v", -1, channels, -1)]),
        "decoder": ([f32("latents", -1, channels, -1)], [f32("audio", -1, audio_channels, -1)]),
    }


def dynamic_axes(specs):
    axes = {}
    for spec in specs:
        dynamic = {axis: ("batch" if axis == 0 else DIM_NAMES[(spec["name"], axis)])
                   for axis, size in enumerate(spec["shape"]) if size == -1}
        if dynamic:
            axes[spec["name"]] = dynamic
    return axes


def pin_graph_shapes(model, input_specs, output_specs, producer):
    """Writes the contract's shapes onto the graph's inputs and outputs, so that a loader sees exactly the
    fixed dims pack.json promises (the exporter leaves some output dims symbolic after reshapes)."""
    axes = dynamic_axes(input_specs + output_specs)
    for values, specs in ((model.graph.input, input_specs), (model.graph.output, output_specs)):
        by_name = {spec["name"]: spec for spec in specs}
        for value in values:
            dims = value.type.tensor_type.shape.dim
            for axis, size in enumerate(by_name[value.name]["shape"]):
                dims[axis].Clear()
                if size == -1:
                    dims[axis].dim_param = axes[value.name][axis]
                else:
                    dims[axis].dim_value = size
    model.producer_name = producer


def fits_one_protobuf(model, limit=PROTOBUF_LIMIT_BYTES):
    """Whether `model` serialises to at most `limit` bytes (protobuf's own limit by default). Protobuf cannot even
    size a message far past its limit (a 5 GB model raises EncodeError), which is a no as well."""
    try:
        return model.ByteSize() <= limit
    except EncodeError:
        return False


def export_onnx(model, example, input_specs, output_specs, path, producer, external_data_above_bytes=None):
    """Exports `model` (in eval mode) to `path` with the contract's names and shapes, and checks the result.

    Weights larger than `external_data_above_bytes` (default: protobuf's 2 GiB limit) go to `<file>.data` beside
    the model, one file, which ONNX Runtime finds by its relative name. Returns the side file's name or None."""
    limit = PROTOBUF_LIMIT_BYTES if external_data_above_bytes is None else external_data_above_bytes
    with tempfile.TemporaryDirectory() as scratch, torch.no_grad():
        # torch writes one file per tensor for models over 2 GiB; exporting to scratch keeps the pack clean.
        raw = os.path.join(scratch, "model.onnx")
        torch.onnx.export(
            model, example, raw, opset_version=OPSET, do_constant_folding=True,
            input_names=[spec["name"] for spec in input_specs],
            output_names=[spec["name"] for spec in output_specs],
            dynamic_axes=dynamic_axes(input_specs + output_specs))
        graph = onnx.load(raw)
        pin_graph_shapes(graph, input_specs, output_specs, producer)
        weights = sum(t.ByteSize() for t in graph.graph.initializer)
        if weights <= limit:
            onnx.checker.check_model(graph)
            onnx.save(graph, path)
            return None
        data_name = os.path.basename(path) + ".data"
        data_path = os.path.join(os.path.dirname(path), data_name)
        if os.path.exists(data_path):
            os.remove(data_path)  # onnx appends to an existing side file
        onnx.save(graph, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=data_name, size_threshold=1024)
    onnx.checker.check_model(path)  # by path, so that models over 2 GiB can be checked too
    return data_name


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(out_dir, path, inputs=None, outputs=None, external_data=None):
    """One `files.<key>` entry of pack.json: the path, its sha256 and, for ONNX files, the I/O it promises."""
    entry = {"path": path, "sha256": sha256(os.path.join(out_dir, path))}
    if inputs is not None:
        entry["inputs"] = inputs
        entry["outputs"] = outputs
    if external_data is not None:
        entry["external_data"] = {"path": external_data, "sha256": sha256(os.path.join(out_dir, external_data))}
    return entry


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")
