#!/usr/bin/python3
"""Envelopes as one SVG line plot: `foley envelope` CSVs (time_s,value), each scaled to its own peak.

Usage: plot_envelopes.py --out plot.svg [--title T] "label=file.csv" ...
"""
import argparse
import csv
import html

COLOURS = ("#222222", "#d1495b", "#00798c", "#edae49")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 900, 300, 50, 20, 40, 60


def read(path):
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f)][1:]
    times = [float(r[0]) for r in rows]
    values = [float(r[1]) for r in rows]
    peak = max(values) or 1.0
    return times, [v / peak for v in values]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("series", nargs="+", help="label=file.csv")
    args = parser.parse_args()
    series = [(s.split("=", 1)[0], read(s.split("=", 1)[1])) for s in args.series]
    end = max(t[-1] for _, (t, _) in series)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t):
        return LEFT + plot_w * t / end

    def y(v):
        return TOP + plot_h * (1 - v)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{LEFT}" y="22" font-size="14">{html.escape(args.title)}</text>',
             f'<line x1="{LEFT}" y1="{y(0)}" x2="{LEFT + plot_w}" y2="{y(0)}" stroke="#999"/>']
    for second in range(int(end) + 1):
        parts.append(f'<line x1="{x(second):.1f}" y1="{y(0)}" x2="{x(second):.1f}" y2="{y(0) + 5}" stroke="#999"/>'
                     f'<text x="{x(second):.1f}" y="{y(0) + 18}" text-anchor="middle">{second} s</text>')
    for k, (label, (times, values)) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.3"/>')
        parts.append(f'<line x1="{LEFT + 180 * k}" y1="{HEIGHT - 14}" x2="{LEFT + 180 * k + 20}" '
                     f'y2="{HEIGHT - 14}" stroke="{colour}" stroke-width="2"/>'
                     f'<text x="{LEFT + 180 * k + 25}" y="{HEIGHT - 10}">{html.escape(label)}</text>')
    parts.append("</svg>")
    with open(args.out, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
