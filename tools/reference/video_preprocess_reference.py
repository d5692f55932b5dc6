#!/usr/bin/env python3
"""Reference video-encoder inputs for foley-core's gram package (VideoPreprocessor), written once as test data.

GRAM turns a frame into the encoder's input with torchvision on a float tensor (model-facts 1.4): RGB / 255,
then either Resize((size, size)) ("squash") or Resize(size) + CenterCrop(size) ("short-side-centre-crop"),
then CLIP mean/std. torchvision resizes tensors with torch.nn.functional.interpolate(mode="bilinear",
align_corners=False, antialias=True); this script calls that directly, and re-implements torchvision's two
size rules (long side truncated by int(), crop offset int(round(...)) with Python's half-to-even round), so
it needs only Debian's python3-torch, python3-numpy and python3-pil (for the PNG fixtures and a cross-check
against PIL's float bilinear). Run with /usr/bin/python3.

Writes into foley-core/src/test/resources/gram/:
  frame_<w>x<h>.png            the fixture frames, synthetic RGB
  video_preprocess_reference.json  per frame and resize mode: the expected 3 x size x size floats (CHW)
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SIZE = 16
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
OUT = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/gram"


def synthetic_frame(width, height, seed):
    """Gradients, a hard-edged square and noise: every filter tap matters, and edges show any off-by-one."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    red = 255 * x / max(width - 1, 1)
    green = 255 * (0.5 + 0.5 * np.sin(y / 2.0 + x / 5.0))
    blue = np.where((x > width / 3) & (x < 2 * width / 3) & (y > height / 4) & (y < 3 * height / 4), 230.0, 20.0)
    rgb = np.stack([red, green, blue], axis=-1) + rng.normal(0, 12, (height, width, 3))
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def resized_size(width, height, mode):
    if mode == "squash":
        return SIZE, SIZE
    # torchvision.transforms.functional._compute_resized_output_size for an int size
    if width <= height:
        return SIZE, int(SIZE * height / width)
    return int(SIZE * width / height), SIZE


def preprocess(rgb, mode):
    height, width, _ = rgb.shape
    tensor = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    new_width, new_height = resized_size(width, height, mode)
    resized = F.interpolate(tensor, size=(new_height, new_width), mode="bilinear", align_corners=False,
                            antialias=True)[0]
    # torchvision.transforms.functional.center_crop
    top = int(round((new_height - SIZE) / 2.0))
    left = int(round((new_width - SIZE) / 2.0))
    cropped = resized[:, top:top + SIZE, left:left + SIZE].numpy()
    return (cropped - MEAN[:, None, None]) / STD[:, None, None], (new_width, new_height, left, top)


def pil_cross_check(rgb, mode, expected):
    """PIL's float ("F") bilinear is the same antialiased filter; agreeing with it guards against misuse of torch."""
    height, width, _ = rgb.shape
    new_width, new_height = resized_size(width, height, mode)
    top = int(round((new_height - SIZE) / 2.0))
    left = int(round((new_width - SIZE) / 2.0))
    for c in range(3):
        plane = Image.fromarray(rgb[:, :, c].astype(np.float32) / 255.0, mode="F")
        resized = np.asarray(plane.resize((new_width, new_height), Image.BILINEAR))
        ours = (resized[top:top + SIZE, left:left + SIZE] - MEAN[c]) / STD[c]
        assert np.abs(ours - expected[c]).max() < 1e-4, (mode, c, np.abs(ours - expected[c]).max())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    # landscape shrink (crop offset 4.5 rounds to 4), portrait shrink, and an enlargement
    frames = [(37, 23, 1), (20, 50, 2), (9, 7, 3)]
    cases = []
    for width, height, seed in frames:
        rgb = synthetic_frame(width, height, seed)
        name = f"frame_{width}x{height}.png"
        Image.fromarray(rgb, mode="RGB").save(OUT / name)
        for mode in ("squash", "short-side-centre-crop"):
            expected, (new_width, new_height, left, top) = preprocess(rgb, mode)
            pil_cross_check(rgb, mode, expected)
            cases.append({"png": name, "width": width, "height": height, "resize": mode,
                          "resized_width": new_width, "resized_height": new_height, "crop_left": left,
                          "crop_top": top,
                          "chw": [float(str(v)) for v in expected.astype(np.float32).ravel()]})
    reference = {"size": SIZE, "mean": MEAN.tolist(), "std": STD.tolist(), "cases": cases}
    (OUT / "video_preprocess_reference.json").write_text(json.dumps(reference))
    print("wrote", len(cases), "cases to", OUT)


if __name__ == "__main__":
    main()
