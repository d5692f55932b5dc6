#!/usr/bin/python3
"""Adds precision variants to an existing model pack and lists them in its pack.json.

Usage: /usr/bin/python3 tools/export/precision_variants.py --pack models/foley-mini [--variants fp16,int8]

  fp16  dit and decoder in float16 (float32 inputs and outputs), meant for the CUDA provider
  int8  the dit's weight MatMuls dynamically quantised to int8, meant for the CPU provider

Each variant file is made from the pack's current float32 file and records that file's sha256 (`source_sha256`), so
a pack whose float32 model was exported again after its variants is refused until this script runs again. Rerun it
after every export; it replaces the variants it wrote before. Conversions are in tools/export/precision.py; the
pack.json layout is in models/README.md ("Precision variants"). The output is deterministic.
"""

import argparse
import json
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packlib import PROTOBUF_LIMIT_BYTES, fits_one_protobuf, sha256, write_json  # noqa: E402
from precision import to_dynamic_int8, to_float16  # noqa: E402

# variant name -> what it is, the provider it is made for, and the pack.json files it replaces
VARIANTS = {
    "fp16": {"precision": "float16", "provider": "cuda", "components": ("dit", "decoder")},
    "int8": {"precision": "int8-dynamic", "provider": "cpu", "components": ("dit",)},
}


def convert(variant, model):
    if variant == "fp16":
        return to_float16(model)
    quantised, rewritten = to_dynamic_int8(model)
    if rewritten == 0:
        raise SystemExit("int8: the model has no MatMul with a 2-D weight to quantise")
    return quantised


def variant_path(path, variant):
    stem, extension = os.path.splitext(path)
    return f"{stem}.{variant}{extension}"


def save(model, pack_dir, relative):
    """Saves beside the pack's other files; weights over protobuf's limit go to `<file>.data`. Returns its name."""
    target = os.path.join(pack_dir, relative)
    if fits_one_protobuf(model, PROTOBUF_LIMIT_BYTES):
        onnx.save(model, target)
        return None
    data_name = os.path.basename(relative) + ".data"
    data_path = os.path.join(os.path.dirname(target), data_name)
    if os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing side file
    onnx.save(model, target, save_as_external_data=True, all_tensors_to_one_file=True, location=data_name,
              size_threshold=1024)
    return os.path.join(os.path.dirname(relative), data_name)


def remove_listed(pack_dir, variants):
    """Deletes the files a previous run listed, so a rerun leaves no stale variant behind."""
    for variant in variants.values():
        for entry in variant["files"].values():
            for relative in (entry["path"], entry.get("external_data", {}).get("path")):
                if relative and os.path.exists(os.path.join(pack_dir, relative)):
                    os.remove(os.path.join(pack_dir, relative))


def add_variants(pack_dir, names=tuple(VARIANTS)):
    """Writes the named variants of the pack in `pack_dir` and rewrites its pack.json to list them."""
    manifest_path = os.path.join(pack_dir, "pack.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    remove_listed(pack_dir, manifest.pop("variants", {}))
    variants = {}
    for name in names:
        spec = VARIANTS[name]
        files = {}
        for key in spec["components"]:
            base = manifest["files"][key]
            source = os.path.join(pack_dir, base["path"])
            if sha256(source) != base["sha256"]:
                raise SystemExit(f"{base['path']}: sha256 differs from pack.json; export the pack again first")
            relative = variant_path(base["path"], name)
            side_file = save(convert(name, onnx.load(source)), pack_dir, relative)
            entry = {"path": relative, "sha256": sha256(os.path.join(pack_dir, relative)),
                     "source_sha256": base["sha256"], "inputs": base["inputs"], "outputs": base["outputs"]}
            if side_file is not None:
                entry["external_data"] = {"path": side_file, "sha256": sha256(os.path.join(pack_dir, side_file))}
            files[key] = entry
            print(f"{name}: {relative} {os.path.getsize(os.path.join(pack_dir, relative)) / 1e6:.2f} MB "
                  f"(float32 {os.path.getsize(source) / 1e6:.2f} MB)")
        variants[name] = {"precision": spec["precision"], "provider": spec["provider"], "files": files}
    manifest["variants"] = variants
    write_json(manifest_path, manifest)
    total = sum(os.path.getsize(os.path.join(pack_dir, name)) for name in os.listdir(pack_dir))
    print(f"{pack_dir}: {total / 1e6:.2f} MB in all")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True, help="the pack folder (holds pack.json)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, from {', '.join(VARIANTS)} (default: all)")
    args = parser.parse_args(argv)
    names = [name for name in args.variants.split(",") if name]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    add_variants(os.path.normpath(args.pack), names)


if __name__ == "__main__":
    main()
