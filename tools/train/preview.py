"""Render one clip of the procedural world to a PNG contact sheet, with numpy and zlib only.

    /usr/bin/python3 tools/train/preview.py --seed 2000001 --out /tmp/clip.png [--material metal --action hit]

Rows, top to bottom: a title (seed, labels, caption), every video frame, the tip's speed, the waveform and a log
spectrogram (0 Hz at the bottom). Event markers run through the plots: red = hit, green = scratch start,
blue = scratch end; the small ticks under the frame strip mark each frame's time.
"""
from __future__ import annotations

import argparse
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import world  # noqa: E402

# 3x5 pixel font: five rows of three bits per glyph (upper case, digits, a little punctuation).
_FONT = {
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011", "D": "110101101101110",
    "E": "111100110100111", "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "010101101101010", "P": "110101110100100",
    "Q": "010101101110011", "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101", "X": "101101010101101",
    "Y": "101101010010010", "Z": "111001010100111", "0": "111101101101111", "1": "010110010010111",
    "2": "110001010100111", "3": "110001010001110", "4": "101101111001001", "5": "111100110001110",
    "6": "011100111101111", "7": "111001010010010", "8": "111101111101111", "9": "111101111001110",
    " ": "000000000000000", "-": "000000111000000", ".": "000000000000010", ":": "000010000010000",
    "/": "001001010100100", ",": "000000000010100", "=": "000111000111000", "(": "010100100100010",
    ")": "010001001001010", "'": "010010000000000",
}
_EVENT_COLOURS = {"hit": (230, 40, 40), "scratch-start": (40, 200, 60), "scratch-end": (60, 110, 240)}


def write_png(path, rgb: np.ndarray):
    """Write an H x W x 3 uint8 image as an 8-bit RGB PNG."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    Path(path).write_bytes(png)


def draw_text(image, text, x, y, scale=2, colour=(255, 255, 255)):
    for i, ch in enumerate(text.upper()):
        bits = _FONT.get(ch, _FONT[" "])
        for row in range(5):
            for col in range(3):
                if bits[row * 3 + col] == "1":
                    x0, y0 = x + (i * 4 + col) * scale, y + row * scale
                    image[y0:y0 + scale, x0:x0 + scale] = colour


def _colormap(v):
    """0..1 -> dark blue, magenta, orange, pale yellow."""
    stops = np.array([[0, 0, 20], [90, 20, 130], [220, 70, 70], [250, 190, 60], [255, 255, 210]], float)
    pos = np.clip(v, 0, 1) * (len(stops) - 1)
    i = np.minimum(pos.astype(int), len(stops) - 2)
    f = (pos - i)[..., None]
    return (stops[i] * (1 - f) + stops[i + 1] * f).astype(np.uint8)


def contact_sheet(clip: world.Clip, width: int = 1024) -> np.ndarray:
    audio = clip.audio.mean(0)
    duration = audio.shape[0] / clip.sample_rate
    t_frames = len(clip.frames)
    scale = max(1, width // (t_frames * clip.frames.shape[2]))     # upscale small frames to fill the width
    strip = np.concatenate(list(clip.frames.repeat(scale, 1).repeat(scale, 2)), axis=1)
    width = strip.shape[1]
    title_h, speed_h, wave_h, spec_h = 34, 40, 90, 128
    sheet = np.full((title_h + strip.shape[0] + 6 + speed_h + wave_h + spec_h, width, 3), 24, np.uint8)
    draw_text(sheet, f"seed {clip.seed}  {clip.material} / {clip.action}  {len(clip.events)} events", 4, 3)
    draw_text(sheet, f"'{clip.caption}'", 4, 18, colour=(250, 220, 120))
    y = title_h
    sheet[y:y + strip.shape[0]] = strip
    y += strip.shape[0]
    for k in range(t_frames):      # the time each frame shows, on the shared time axis
        sheet[y + 1:y + 5, int(k / clip.fps / duration * (width - 1))] = (200, 200, 200)
    y += 6
    speed = np.interp(np.linspace(0, t_frames - 1, width), np.arange(t_frames), clip.speed)
    top = max(float(clip.speed.max()), 1e-6)
    for x in range(width):
        sheet[y + speed_h - 1 - int((speed_h - 2) * speed[x] / top), x] = (120, 220, 255)
    speed_y = y
    y += speed_h
    columns = np.array_split(audio, width)
    lo = np.array([c.min() for c in columns])
    hi = np.array([c.max() for c in columns])
    mid = y + wave_h // 2
    for x in range(width):
        sheet[int(mid - hi[x] * (wave_h / 2 - 1)):int(mid - lo[x] * (wave_h / 2 - 1)) + 1, x] = (230, 230, 230)
    sheet[mid, :] = (80, 80, 80)
    y += wave_h
    spec = world._stft_mag(audio.astype(np.float64), clip.sample_rate, n_fft=254, hop=32)
    db = 20 * np.log10(spec + 1e-7)
    db = (db - (db.max() - 80)) / 80
    cols = np.linspace(0, db.shape[1] - 1, width).astype(int)
    sheet[y:y + spec_h] = _colormap(db[::-1][:spec_h, cols])
    for t, kind, _ in clip.events:
        x = min(width - 1, int(t / duration * (width - 1)))
        sheet[speed_y:y + spec_h:2, x] = _EVENT_COLOURS[kind]
    return sheet


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--material", choices=world.MATERIALS)
    parser.add_argument("--action", choices=world.ACTIONS)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--sample-rate", type=int, default=16000)
    parser.add_argument("--fps", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    clip = world.make_clip(args.seed, duration_s=args.duration, sample_rate=args.sample_rate, fps=args.fps,
                           size=args.size, material=args.material, action=args.action)
    write_png(args.out, contact_sheet(clip))
    print(f"{args.out}: seed {clip.seed} {clip.material}/{clip.action} '{clip.caption}' events {clip.events}")


if __name__ == "__main__":
    main()
