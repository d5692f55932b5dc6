"""A procedural "Greatest Hits" world: an object striking or scraping a surface, seen and heard.

One clip is a stick, mallet or rod hitting or scratching one of six surfaces (wood, metal, glass, ceramic,
cloth, water), rendered as small video frames and synthesised audio that share one motion: the sound of each
strike starts at the sample where the object's tip reaches the surface in the picture, and scraping is as loud
and bright as the tip is fast. Everything is drawn from a seed, so a clip is the same bytes on every run.

    clip = make_clip(1_000_123)                 # material and action drawn from the seed
    clip = make_clip(7, material="glass", action="scratch", duration_s=4.0, channels=2)

Facts cited as [ref §n] are from /work/shared/reference/impact-synthesis.md (the project's reference notes).
Run `/usr/bin/python3 tools/train/world.py --self-test` for determinism, balance, timing and separability checks.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

# The small matrix products here gain nothing from BLAS threads; keep generation to one core.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import fft as sfft  # noqa: E402
from scipy import signal  # noqa: E402

MATERIALS = ("wood", "metal", "glass", "ceramic", "cloth", "water")
ACTIONS = ("hit", "scratch")
OBJECTS = ("stick", "mallet", "rod")

# Disjoint seed ranges per split; test seeds are held out from every training stage.
SPLIT_SEEDS = {
    "train": range(0, 1_000_000),
    "val": range(1_000_000, 1_100_000),
    "test": range(2_000_000, 2_100_000),
}

PICTURES = ("material", "plain")
_LABEL_BLOCK = len(MATERIALS) * len(ACTIONS)
_LIFT_S = 0.25            # time the object takes to rise from / settle to its resting height
_WORLD_TO_SCENE = 5.0     # scene units (half the frame at zoom 1) per metre of tip motion
_PROFILE_STEP_M = 3e-5    # surface-profile resolution of FoleyAutomatic's "phonograph needle" [ref §3]


@dataclasses.dataclass(frozen=True)
class Clip:
    """One clip of the world. `events` are (time_s, "hit" | "scratch-start" | "scratch-end", strength 0..1);
    `speed` is the tip's speed in m/s at each video frame's time (frame k shows time k/fps)."""
    seed: int
    material: str
    action: str
    caption: str
    frames: np.ndarray   # uint8, T x H x W x 3
    audio: np.ndarray    # float32, channels x N, peak <= 0.99
    events: list
    speed: np.ndarray    # float32, T
    sample_rate: int
    fps: int


def labels_for_seed(seed: int) -> tuple[str, str]:
    """(material, action) of a seed: every aligned block of 12 seeds holds each pair once, in a shuffled order."""
    block, index = divmod(int(seed), _LABEL_BLOCK)
    order = np.random.default_rng([0x6E5, block]).permutation(_LABEL_BLOCK)
    pair = int(order[index])
    return MATERIALS[pair % len(MATERIALS)], ACTIONS[pair // len(MATERIALS)]


def make_clip(seed: int, *, duration_s: float = 2.0, sample_rate: int = 16000, channels: int = 1, fps: int = 8,
              size: int = 64, material: str | None = None, action: str | None = None,
              picture: str = "material") -> Clip:
    """Render the clip of `seed`. `material`/`action` override the seed's labels (the rest stays seeded).
    `picture` "plain" draws the surface as a matte grey plane that shows no material (an ambiguous picture: the
    sound is still the material's); "material" (the default) draws the material's look."""
    drawn_material, drawn_action = labels_for_seed(seed)
    material = material or drawn_material
    action = action or drawn_action
    if material not in MATERIALS or action not in ACTIONS:
        raise ValueError(f"unknown material/action {material!r}/{action!r}")
    if picture not in PICTURES:
        raise ValueError(f"unknown picture {picture!r}: one of {PICTURES}")
    if size % 8:
        raise ValueError("size must be a multiple of 8 (the codec works on 8x8 blocks)")
    if duration_s < 1.0:
        raise ValueError("duration_s must be at least 1 s (room for a stroke or a strike and its lift)")
    streams = np.random.SeedSequence([0xF01E, int(seed)]).spawn(4)
    motion_rng, audio_rng, picture_rng, caption_rng = (np.random.default_rng(s) for s in streams)

    motion = _Motion.draw(motion_rng, action, duration_s)
    obj = OBJECTS[int(motion_rng.integers(len(OBJECTS)))]
    audio = _render_audio(audio_rng, material, motion, duration_s, sample_rate, channels)
    frame_times = np.arange(int(round(duration_s * fps))) / fps
    frames = _render_frames(picture_rng, material if picture == "material" else None, obj, motion, frame_times, size)
    return Clip(seed=int(seed), material=material, action=action,
                caption=_caption(caption_rng, material, action, obj), frames=frames, audio=audio,
                events=motion.events(), speed=motion.speed(frame_times).astype(np.float32),
                sample_rate=sample_rate, fps=fps)


# ----------------------------------------------------------------------------------------------- motion


@dataclasses.dataclass
class _Motion:
    """Where the object's tip is: x along the surface (m, around the contact point) and height h above it (m).
    Hits: arcs that land on the surface at the strike times. Scratches: the tip rests on the surface and
    slides back and forth, x = A·sin(2πf(t - start))."""
    action: str
    strikes: np.ndarray          # hit times (s)
    strengths: np.ndarray        # per hit / per stroke (pressure)
    strike_x: np.ndarray         # tip x at each hit (m)
    strokes: list                # (start, end, amplitude_m, rate_hz)
    rest_height: float

    @staticmethod
    def draw(rng, action, duration):
        rest = float(rng.uniform(0.05, 0.09))
        if action == "hit":
            # Greatest Hits' median gap between events is 0.6 s [ref §4]; tempo varies within a clip.
            times = [float(rng.uniform(0.1, min(0.6, 0.45 * duration)))]
            tempo = rng.uniform(0.25, 0.7)
            while True:
                gap = float(np.clip(tempo * rng.lognormal(0.0, 0.35), 0.16, 1.2))
                if times[-1] + gap > duration - 0.12:
                    break
                times.append(times[-1] + gap)
            strikes = np.round(np.array(times) * 1000.0) / 1000.0
            strengths = rng.uniform(0.35, 1.0, len(strikes))
            return _Motion(action, strikes, strengths, rng.uniform(-0.02, 0.02, len(strikes)), [], rest)
        strokes = []
        start = float(rng.uniform(0.08, 0.45))
        while start < duration - 0.45:
            length = float(rng.uniform(0.4, 1.3))
            end = min(start + length, duration - 0.05)
            strokes.append((round(start, 3), round(end, 3), float(rng.uniform(0.025, 0.06)),
                            float(rng.uniform(1.0, 2.6))))
            start = end + float(rng.uniform(0.25, 0.7))
            if rng.random() < 0.5:
                break
        return _Motion(action, np.zeros(0), rng.uniform(0.4, 1.0, len(strokes)), np.zeros(0), strokes, rest)

    def tip(self, t):
        """(x, h) of the tip in metres at times t (array)."""
        t = np.asarray(t, dtype=np.float64)
        if self.action == "hit":
            return self._hit_tip(t)
        return self._scratch_tip(t)

    def _hit_tip(self, t):
        s, heights = self.strikes, self.rest_height * (0.5 + 0.5 * self.strengths)
        x = np.interp(t, s, self.strike_x)
        h = np.empty_like(t)
        before, after = t < s[0], t >= s[-1]
        h[before] = heights[0] * np.sin(0.5 * np.pi * np.clip((s[0] - t[before]) / _LIFT_S, 0, 1))
        h[after] = self.rest_height * np.sin(0.5 * np.pi * np.clip((t[after] - s[-1]) / _LIFT_S, 0, 1))
        for i in range(len(s) - 1):
            inside = (t >= s[i]) & (t < s[i + 1])
            h[inside] = heights[i + 1] * np.sin(np.pi * (t[inside] - s[i]) / (s[i + 1] - s[i]))
        return x, h

    def _scratch_tip(self, t):
        x = np.zeros_like(t)
        distance = np.full_like(t, np.inf)        # seconds to the nearest stroke boundary, outside strokes
        x_at_nearest = np.zeros_like(t)
        for start, end, amp, rate in self.strokes:
            inside = (t >= start) & (t <= end)
            x[inside] = amp * np.sin(2 * np.pi * rate * (t[inside] - start))
            for edge in (start, end):
                d = np.abs(t - edge)
                closer = d < distance
                distance[closer] = d[closer]
                x_at_nearest[closer] = amp * np.sin(2 * np.pi * rate * (edge - start))
            distance[inside] = 0.0
        outside = distance > 0
        x[outside] = x_at_nearest[outside]
        h = self.rest_height * np.sin(0.5 * np.pi * np.clip(distance / _LIFT_S, 0, 1))
        return x, h

    def speed(self, t, dt=1e-3):
        """Tip speed (m/s) by central difference."""
        x0, h0 = self.tip(np.asarray(t) - dt)
        x1, h1 = self.tip(np.asarray(t) + dt)
        return np.hypot(x1 - x0, h1 - h0) / (2 * dt)

    def events(self):
        if self.action == "hit":
            return [(float(t), "hit", round(float(g), 3)) for t, g in zip(self.strikes, self.strengths)]
        out = []
        for (start, end, _, _), g in zip(self.strokes, self.strengths):
            out += [(start, "scratch-start", round(float(g), 3)), (end, "scratch-end", round(float(g), 3))]
        return out


# ------------------------------------------------------------------------------------------------ audio

# Surface modes: first frequency range (Hz) and frequency ratios. Wood and cloth boards ring like free bars
# (Euler-Bernoulli ratios 1 : 2.756 : 5.404 : 8.933); metal plates have dense inharmonic modes; glass has few,
# widely spaced modes (wine-glass-like); ceramic tiles sit between. Damping is Rayleigh, d = ½(α + β·ω²), with
# the α, β of [ref §2]'s table (steel for metal, NS glass, JW ceramic, NS/JW wood), so metal and glass ring for
# seconds, ceramic for ~0.3 s and wood for ~0.1 s, and high modes always die first. Cloth is not modal [ref §2]:
# it gets one heavily damped body thud plus crumpling clicks.
_MODES = {
    "wood": dict(f1=(170, 420), ratios=(1.0, 2.756, 5.404, 8.933, 13.34), alpha=60.0, beta=2e-6, extra=3),
    "metal": dict(f1=(380, 900), ratios=(1.0, 1.59, 2.14, 2.30, 2.65, 3.16, 3.50, 4.06, 4.62, 5.40, 6.21, 7.3),
                  alpha=5.0, beta=3e-8, extra=4),
    "glass": dict(f1=(1400, 2600), ratios=(1.0, 2.32, 4.25, 6.63), alpha=1.0, beta=1e-7, extra=0),
    "ceramic": dict(f1=(600, 1100), ratios=(1.0, 2.09, 3.87, 5.22, 6.81), alpha=40.0, beta=1e-7, extra=1),
    "cloth": dict(f1=(70, 160), ratios=(1.0, 1.62, 2.31), alpha=260.0, beta=4e-5, extra=0),
}
# Hertz contact time falls with stiffness (t_c ∝ (m*²/(R*·E*²·v))^(1/5) [ref §1]); here per material at full
# strength, in seconds, scaled by strength^(-1/5) since strike speed v grows with strength. Short pulses excite
# high modes (a pulse of length τ has little energy above 1/τ [ref §1]), so hard surfaces sound bright.
_CONTACT_S = {"wood": (6e-4, 1.4e-3), "metal": (1.2e-4, 3e-4), "glass": (8e-5, 2e-4),
              "ceramic": (1.2e-4, 3e-4), "cloth": (4e-3, 9e-3)}
# Level of broadband contact noise (the click / rustle of the contact itself) against the modal ring.
_CONTACT_NOISE = {"wood": 0.5, "metal": 0.15, "glass": 0.1, "ceramic": 0.25, "cloth": 0.5, "water": 0.0}
# Surface-profile smoothing in profile samples (larger = smoother), and a groove wavelength (m) for brushed metal.
_GRAIN = {"wood": 3, "metal": 1, "glass": 6, "ceramic": 2}


def _modal_bank(rng, material, sr):
    spec = _MODES[material]
    f1 = rng.uniform(*spec["f1"])
    ratios = np.array(spec["ratios"]) * rng.uniform(0.97, 1.03, len(spec["ratios"]))
    if spec["extra"]:       # plates have more modes than a bar: add a few in between
        ratios = np.concatenate([ratios, rng.uniform(1.2, ratios[-1], spec["extra"])])
    freqs = f1 * ratios
    freqs = freqs[freqs < 0.45 * sr]
    omega = 2 * np.pi * freqs
    # Supports and size add damping ("resting on a table, resonances died faster" [ref §2]).
    scale = rng.uniform(0.8, 1.5)
    decays = 0.5 * (spec["alpha"] * scale + spec["beta"] * omega ** 2)
    gains = rng.uniform(0.5, 1.0, len(freqs)) / (1 + np.arange(len(freqs))) ** 0.5
    return freqs, decays, gains


def _modal_response(freqs, decays, gains, n, sr):
    t = np.arange(n) / sr
    return (gains[:, None] * np.exp(-decays[:, None] * t) * np.sin(2 * np.pi * freqs[:, None] * t)).sum(0)


def _half_sine(tau, sr):
    """Hertz-like contact force pulse of length tau with unit area [ref §1]."""
    n = max(1, int(np.ceil(tau * sr)))
    p = np.sin(np.pi * (np.arange(n) + 0.5) / max(tau * sr, 1.0)).clip(0)
    return p / p.sum()


def _decaying_noise(rng, n, sr, tau):
    return rng.standard_normal(n) * np.exp(-np.arange(n) / (tau * sr))


def _one_pole_lowpass(x, cutoff, sr):
    a = np.exp(-2 * np.pi * cutoff / sr)
    return signal.lfilter([1 - a], [1, -a], x)


def _bubble(rng, radius_m, n, sr, depth):
    """Minnaert bubble [ref §2, van den Doel 2005]: f = 3/r Hz, d = 0.13/r + 0.0072·r^-1.5, amplitude ∝ r^1.5·depth,
    pitch rising as f(t) = f0·(1 + 0.1·d·t)."""
    f0 = 3.0 / radius_m
    d = 0.13 / radius_m + 0.0072 * radius_m ** -1.5
    length = min(n, int(7.0 / d * sr))
    t = np.arange(length) / sr
    phase = 2 * np.pi * f0 * (t + 0.05 * d * t ** 2)
    return (radius_m * 1e3) ** 1.5 * depth * np.exp(-d * t) * np.sin(phase)


def _add_at(out, start, x):
    end = min(len(out), start + len(x))
    if end > start:
        out[start:end] += x[:end - start]


def _crumple_clicks(rng, out, rate, sr, level):
    """Cloth crumpling: clicks from buckling events with power-law energies [ref §2, Cirio et al.], as a Poisson
    process whose per-sample rate is `rate` (array)."""
    starts = np.flatnonzero(rng.random(len(out)) < rate / sr)
    energy = np.minimum(rng.pareto(1.6, len(starts)) + 1.0, 30.0)
    for s, e in zip(starts, energy):
        burst = _decaying_noise(rng, int(0.004 * sr), sr, rng.uniform(3e-4, 1.5e-3))
        _add_at(out, s, level * np.sqrt(e) * np.diff(burst, prepend=0.0))


def _render_audio(rng, material, motion, duration, sr, channels):
    n = int(round(duration * sr))
    dry = np.zeros(n)
    if material == "water":
        _water_audio(rng, motion, dry, sr)
    else:
        bank = _modal_bank(rng, material, sr)
        if motion.action == "hit":
            _hit_audio(rng, material, bank, motion, dry, sr)
        else:
            _scratch_audio(rng, material, bank, motion, dry, sr)
    dry /= max(np.abs(dry).max(), 1e-9)
    room_level = 10 ** (-rng.uniform(45, 60) / 20)
    x_tip, _ = motion.tip(np.arange(n) / sr)
    pan = np.clip(0.5 + 6.0 * x_tip, 0.1, 0.9)   # the tip's side of the frame, for stereo
    out = np.empty((channels, n))
    for c in range(channels):
        gain = 1.0 if channels == 1 else np.sqrt(pan if c else 1 - pan) * np.sqrt(2)
        room = _one_pole_lowpass(rng.standard_normal(n), 1500.0, sr)
        out[c] = gain * dry + room_level * room / room.std()
    # A random recording gain; scaling (never clipping) keeps the peak at or below 0.99.
    out *= rng.uniform(0.35, 0.95) / np.abs(out).max()
    return out.astype(np.float32)


def _hit_audio(rng, material, bank, motion, out, sr):
    freqs, decays, gains = bank
    mode_index = np.arange(1, len(freqs) + 1)
    for t, strength, x in zip(motion.strikes, motion.strengths, motion.strike_x):
        start = int(round(t * sr))
        # The gains depend on where the surface is struck; a mode with a node there gets none [ref §1].
        position = 0.3 + 8.0 * x + rng.uniform(-0.03, 0.03)
        strike_gains = gains * (0.15 + np.abs(np.sin(np.pi * mode_index * position)))
        ring = _modal_response(freqs, decays, strike_gains, n=len(out) - start, sr=sr)
        tau = rng.uniform(*_CONTACT_S[material]) * strength ** -0.2
        _add_at(out, start, strength * signal.fftconvolve(ring, _half_sine(tau, sr))[:len(ring)])
        noise = _decaying_noise(rng, int(0.03 * sr), sr, rng.uniform(1e-3, 4e-3))
        # A soft surface muffles the contact itself: cloth's contact noise is low-passed, a hard one's is a click.
        noise = np.diff(noise, prepend=0.0) if material != "cloth" else _one_pole_lowpass(noise, 1200.0, sr)
        ring_peak = np.abs(ring[:int(0.05 * sr)]).max() * strength
        _add_at(out, start, _CONTACT_NOISE[material] * ring_peak * noise / np.abs(noise).max())
        if material == "cloth":   # the fabric crumples for a few tens of ms after the blow
            clicks = np.zeros(int(0.08 * sr))
            rate = 900.0 * strength * np.exp(-np.arange(len(clicks)) / (0.02 * sr))
            _crumple_clicks(rng, clicks, rate, sr, 1.0)
            _add_at(out, start, 0.015 * ring_peak * _one_pole_lowpass(clicks, 4000.0, sr))


def _scratch_audio(rng, material, bank, motion, out, sr):
    """Scraping: the tip reads a rough surface profile like a phonograph needle [ref §3]; the excitation is the
    profile's rise along the path, d/dt p(x(t)) = p'(x)·v, so faster scraping is both louder and brighter. It is
    filtered by the surface's resonances (shortened modal response) and scaled by the pressure."""
    freqs, decays, gains = bank
    t = np.arange(len(out)) / sr
    x, h = motion.tip(t)
    touching = h <= 1e-9
    excitation = np.zeros(len(out))
    speed = motion.speed(t)
    if material == "cloth":
        _crumple_clicks(rng, excitation, np.where(touching, 700.0 * speed, 0.0), sr, 0.05)
        friction = _one_pole_lowpass(rng.standard_normal(len(out)), 3000.0, sr) * speed * touching
        excitation += 0.08 * friction
    else:
        span = int(0.25 / _PROFILE_STEP_M)
        profile = rng.standard_normal(span)
        profile = np.convolve(profile, np.ones(_GRAIN[material]) / _GRAIN[material], mode="same")
        position_m = np.arange(span) * _PROFILE_STEP_M
        if material == "metal":   # brushed metal: regular grooves, a whistle whose pitch follows the speed
            profile += 0.8 * np.sin(2 * np.pi * position_m / rng.uniform(2e-4, 6e-4))
        if material == "ceramic":  # grout between 6-10 cm tiles: a 3 mm dip the tip knocks across
            profile -= 6.0 * (np.abs((position_m / rng.uniform(0.06, 0.1) + rng.random()) % 1 - 0.5) > 0.48)
        reading = np.interp(x / _PROFILE_STEP_M + span / 2, np.arange(span), profile)
        excitation = np.diff(reading, prepend=reading[0]) * touching
        if material == "glass":
            # A smooth, hard surface makes the tip stick and slip, which locks onto a mode and squeals; the
            # squeal follows the speed (here a tone at one of the first two modes, as loud as the roughness noise).
            mode = freqs[int(rng.integers(min(2, len(freqs))))]
            squeal = np.sin(2 * np.pi * mode * t + rng.uniform(0, 2 * np.pi)) * np.clip(speed - 0.1, 0, None)
            excitation += 2.0 * squeal * touching * excitation.std() / max(squeal.std(), 1e-9)
    pressure = np.zeros(len(out))
    for (start, end, _, _), g in zip(motion.strokes, motion.strengths):
        pressure[int(round(start * sr)):int(round(end * sr))] = g
    excitation *= pressure
    ring = _modal_response(freqs, decays * 1.2, gains, n=int(0.8 * sr), sr=sr)   # the pressing tip damps a little
    resonant = signal.fftconvolve(excitation, ring)[:len(out)]
    out += resonant / max(np.abs(resonant).max(), 1e-9)
    out += (0.25 + _CONTACT_NOISE[material]) * excitation / max(np.abs(excitation).max(), 1e-9)


def _water_audio(rng, motion, out, sr):
    """Water sound comes from bubbles [ref §2]. A hit is a splash: a noise burst plus a random bubble population
    [SDT liquids]; dragging the object through water makes bubbles at a rate that follows its speed."""
    n = len(out)
    if motion.action == "hit":
        for t, strength in zip(motion.strikes, motion.strengths):
            start = int(round(t * sr))
            burst = _decaying_noise(rng, int(0.4 * sr), sr, rng.uniform(0.02, 0.06))
            burst = _one_pole_lowpass(burst, rng.uniform(1500, 4000), sr)
            _add_at(out, start, 0.4 * strength * burst / np.abs(burst).max())
            for _ in range(int(10 + 30 * strength)):
                delay = int(rng.exponential(0.05) * sr)
                radius = np.exp(rng.uniform(np.log(0.8e-3), np.log(6e-3)))
                bubble = _bubble(rng, radius, n - start, sr, rng.uniform(0.2, 1.0))
                _add_at(out, start + delay, 0.04 * strength * bubble)
        return
    t = np.arange(n) / sr
    _, h = motion.tip(t)
    speed = motion.speed(t) * (h <= 1e-9)
    pressure = np.zeros(n)
    for (start, end, _, _), g in zip(motion.strokes, motion.strengths):
        pressure[int(round(start * sr)):int(round(end * sr))] = g
    # Sloshing: water pushed by the object, a low rumble (second-order low-pass) as loud as the object is fast.
    slosh = signal.sosfilt(signal.butter(2, rng.uniform(300, 700), fs=sr, output="sos"), rng.standard_normal(n))
    out += 0.3 * slosh / slosh.std() * speed * pressure
    for s in np.flatnonzero(rng.random(n) < 150.0 * speed * pressure / sr):
        radius = np.exp(rng.uniform(np.log(1.0e-3), np.log(8e-3)))
        _add_at(out, s, 0.05 * _bubble(rng, radius, n - s, sr, rng.uniform(0.2, 1.0)))


# ---------------------------------------------------------------------------------------------- picture

# Base colours (linear-ish RGB 0..1) and the ranges drawn around them. Cloth takes any saturated hue.
_SURFACE_COLOUR = {
    "wood": ((0.50, 0.30, 0.14), (0.78, 0.52, 0.30)),
    "metal": ((0.50, 0.53, 0.56), (0.72, 0.74, 0.78)),
    "glass": ((0.62, 0.80, 0.80), (0.78, 0.93, 0.92)),
    "ceramic": ((0.84, 0.82, 0.74), (0.97, 0.96, 0.92)),
    "water": ((0.05, 0.16, 0.28), (0.12, 0.30, 0.42)),
}
_OBJECT_WIDTH = {"stick": 0.05, "mallet": 0.05, "rod": 0.09}


def _hsv_to_rgb(h, s, v):
    k = (np.array([5.0, 3.0, 1.0]) + h * 6) % 6
    return v - v * s * np.clip(np.minimum(k, 4 - k), 0, 1)


def _smooth_noise(rng, shape, cells):
    """Low-frequency noise in [-1, 1]: random values on a coarse grid, bilinearly upsampled."""
    grid = rng.uniform(-1, 1, (cells + 1, cells + 1))
    ys = np.linspace(0, cells, shape[0])
    xs = np.linspace(0, cells, shape[1])
    y0, x0 = np.minimum(ys.astype(int), cells - 1), np.minimum(xs.astype(int), cells - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    g = grid
    return ((1 - fy) * (1 - fx) * g[y0][:, x0] + (1 - fy) * fx * g[y0][:, x0 + 1]
            + fy * (1 - fx) * g[y0 + 1][:, x0] + fy * fx * g[y0 + 1][:, x0 + 1])


def _render_frames(rng, material, obj, motion, times, size):
    """The clip's frames; material None draws a plain surface."""
    # Camera: pixel (u, w) in [-1, 1] -> scene (u / zoom + offset). Scene: background above the horizon,
    # the surface below it, contact point (cx, cw) on the surface.
    zoom = rng.uniform(0.85, 1.3)
    offset = rng.uniform(-0.12, 0.12, 2)
    pix = (np.arange(size) + 0.5) / size * 2 - 1
    su = pix[None, :] / zoom + offset[0]
    sw = pix[:, None] / zoom + offset[1]
    su, sw = np.broadcast_to(su, (size, size)), np.broadcast_to(sw, (size, size))
    horizon = rng.uniform(-0.45, -0.15)
    contact = np.array([rng.uniform(-0.25, 0.25), rng.uniform(0.2, 0.45)])
    light = np.array([rng.uniform(-0.6, 0.6), rng.uniform(-0.2, 0.35)])   # where the highlight falls

    background = _background(rng, size)
    depth = np.clip((sw - horizon) / (1 - horizon), 0.02, None)    # 0 at the horizon, ~1 at the bottom
    tu, tv = su / (0.4 + 0.6 * depth), np.log(depth)               # texture coordinates, mild perspective
    surface_mask = np.clip((sw - horizon) * size * zoom / 2, 0, 1)[..., None]

    stick_angle = rng.uniform(-0.6, 0.6)
    obj_colour = _hsv_to_rgb(rng.random(), rng.uniform(0.2, 0.8), rng.uniform(0.25, 0.9))
    head_colour = _hsv_to_rgb(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.9))
    gain = rng.uniform(0.7, 1.25)
    cast = rng.uniform(0.88, 1.12, 3)
    quality = rng.uniform(25, 90)
    noise_sigma = rng.uniform(0.5, 3.5)
    static_surface = (_surface(rng, material, tu, tv, su, sw, light, background) if material
                      else _plain_surface(rng, tu, su, sw, light))

    tip_x, tip_h = motion.tip(times)
    frames = np.empty((len(times), size, size, 3))
    for k, t in enumerate(times):
        tip = contact + np.array([tip_x[k], -tip_h[k]]) * _WORLD_TO_SCENE
        surface = static_surface(t, tip, motion) if callable(static_surface) else static_surface
        image = background * (1 - surface_mask) + surface * surface_mask
        # Soft shadow below the tip: sharp and dark when touching, wide and faint when lifted.
        lift = tip_h[k] * _WORLD_TO_SCENE
        blur = 0.05 + 0.6 * lift
        sd = ((su - tip[0] - 0.4 * lift) ** 2 + 4 * (sw - contact[1]) ** 2) / blur ** 2
        image = image * (1 - 0.45 * np.exp(-sd)[..., None] / (1 + 3 * lift) * surface_mask)
        image = _draw_object(image, su, sw, tip, stick_angle, obj, obj_colour, head_colour, size * zoom / 2)
        frames[k] = image
    frames = np.clip(frames * gain * cast, 0, 1)
    return _codec(rng, frames, quality, noise_sigma)


def _background(rng, size):
    top = rng.uniform(0.1, 0.9, 3)
    bottom = rng.uniform(0.1, 0.9, 3)
    ramp = np.linspace(0, 1, size)[:, None, None]
    image = top * (1 - ramp) + bottom * ramp + np.zeros((1, size, 1))
    image = image + 0.12 * _smooth_noise(rng, (size, size), int(rng.integers(2, 6)))[..., None]
    if rng.random() < 0.4:     # a striped wall
        stripes = np.sin(np.arange(size) * rng.uniform(0.2, 0.8))[None, :, None] > 0
        image = image * (1 - 0.15 * stripes)
    return np.clip(image, 0, 1)


def _specular(su, sw, light, sharpness, stretch=1.0):
    return np.exp(-(((su - light[0]) / stretch) ** 2 + (sw - light[1]) ** 2) * sharpness)


def _surface(rng, material, tu, tv, su, sw, light, background):
    """The surface's picture: a fixed image, or for water a function of time (ripples from the tip)."""
    size = tu.shape[0]
    if material == "cloth":
        base = _hsv_to_rgb(rng.random(), rng.uniform(0.55, 0.9), rng.uniform(0.45, 0.85))
    else:
        lo, hi = _SURFACE_COLOUR[material]
        base = np.array(lo) + rng.random(3) * (np.array(hi) - np.array(lo))
    if material == "wood":         # planks with wavy grain, matte with a faint sheen
        plank = rng.uniform(0.25, 0.45)
        wobble = 0.12 * np.sin(tu * rng.uniform(3, 6) + rng.uniform(0, 6))
        grain = np.sin((tv + wobble) * rng.uniform(25, 45)) * 0.5 + 0.5
        seams = (np.abs(((tv / plank) % 1) - 0.5) > 0.46)
        shade = 0.72 + 0.3 * grain ** 2 - 0.35 * seams + 0.05 * _smooth_noise(rng, tu.shape, 8)
        return np.clip(base * shade[..., None] + 0.08 * _specular(su, sw, light, 3.0)[..., None], 0, 1)
    if material == "metal":        # brushed: fine streaks along u, a broad stretched highlight
        streaks = np.repeat(rng.standard_normal((size, 1)), size, axis=1)
        streaks += 0.4 * rng.standard_normal((size, size))
        shade = 0.8 + 0.06 * streaks + 0.25 * np.sin(tv * 2 + 1)
        spec = _specular(su, sw, light, 6.0, stretch=3.0)
        return np.clip(base * shade[..., None] + 0.7 * spec[..., None], 0, 1)
    if material == "glass":        # transparent: the background shows through, tinted, with sharp glints
        seen = np.roll(background, int(rng.integers(-8, 8)), axis=0)
        spec = _specular(su, sw, light, 60.0) + 0.6 * _specular(su, sw, light + [0.25, 0.1], 90.0)
        edge = np.abs(np.sin(tu * np.pi / rng.uniform(1.0, 1.6))) > 0.985   # pane edges
        image = 0.45 * seen + 0.55 * base + 0.9 * spec[..., None] + 0.25 * edge[..., None]
        return np.clip(image, 0, 1)
    if material == "ceramic":      # glazed tiles: pale, grout grid, glossy highlight
        tile = rng.uniform(0.3, 0.5)
        grout = ((np.abs((tu / tile) % 1 - 0.5) > 0.44) | (np.abs((tv / tile) % 1 - 0.5) > 0.44))
        glaze = 1 - 0.04 * _smooth_noise(rng, tu.shape, 4)
        spec = _specular(su, sw, light, 20.0)
        image = base * (glaze - 0.4 * grout)[..., None] + 0.5 * spec[..., None]
        return np.clip(image, 0, 1)
    if material == "cloth":        # woven: fine checker, soft folds, no highlight
        period = rng.uniform(2.5, 3.5) * 2 / size     # threads a few pixels wide, coarse enough to survive the codec
        weave = np.sign(np.sin(np.pi * su / period) * np.sin(np.pi * sw / period))
        folds = np.sin(tu * rng.uniform(4, 9) + 2.0 * _smooth_noise(rng, tu.shape, 3))
        shade = 0.8 + 0.18 * weave + 0.12 * folds
        return np.clip(base * shade[..., None], 0, 1)

    # Water: dark, rippled; each hit sends out a ring, scraping leaves a wake, and glints move with the waves.
    phases = rng.uniform(0, 2 * np.pi, 3)
    waves_k = rng.uniform(8, 16, 3)
    direction = rng.uniform(0, np.pi, 3)

    def water(t, tip, m):
        height = sum(0.3 * np.sin(k * (tu * np.cos(a) + tv * np.sin(a)) - 3 * t + p)
                     for k, a, p in zip(waves_k, direction, phases))
        r = np.hypot(su - tip[0], 2.5 * (sw - tip[1] - m.tip(t)[1] * _WORLD_TO_SCENE))
        for s, g in zip(m.strikes, m.strengths):
            if s <= t:
                front = 0.8 * (t - s)
                height = height + 2.5 * g * np.exp(-(t - s) / 0.8) * np.cos(18 * (r - front)) * (r < front + 0.05)
        if m.action == "scratch" and m.tip(t)[1] <= 1e-9:
            height = height + 1.5 * np.cos(25 * r) * np.exp(-r / 0.15) * min(m.speed(np.array([t]))[0], 1.0)
        slope = np.gradient(height, axis=1)
        glints = np.clip(slope - 0.25, 0, None) * 3.0 * (0.4 + _specular(su, sw, light, 2.0))
        image = base * (0.8 + 0.15 * height)[..., None] + glints[..., None] * np.array([0.9, 0.95, 1.0])
        for s, g in zip(m.strikes, m.strengths):   # a spray of droplets for 0.3 s after each hit
            if 0 <= t - s < 0.3:
                spray = np.exp(-((su - tip[0]) ** 2 + (sw - tip[1] + 0.6 * (t - s)) ** 2) / (0.004 + 0.05 * (t - s)))
                image = image + 0.8 * g * spray[..., None]
        return np.clip(image, 0, 1)

    return water


def _plain_surface(rng, tu, su, sw, light):
    """Matte grey with faint smooth shading and a soft highlight: no colour, texture, grain or sheen of a material."""
    base = rng.uniform(0.4, 0.65)
    shade = 0.92 + 0.05 * _smooth_noise(rng, tu.shape, 4) + 0.05 * _specular(su, sw, light, 2.0)
    return np.clip(np.repeat((base * shade)[..., None], 3, axis=-1), 0, 1)


def _draw_object(image, su, sw, tip, angle, obj, colour, head_colour, pixels_per_unit):
    """A shaded cylinder from the tip up and out of the frame; a mallet also has a round head at the tip."""
    direction = np.array([np.sin(angle), -np.cos(angle)])
    du, dw = su - tip[0], sw - tip[1]
    along = du * direction[0] + dw * direction[1]
    across = du * -direction[1] + dw * direction[0]
    half = _OBJECT_WIDTH[obj] / 2
    cover = np.clip((half - np.abs(across)) * pixels_per_unit + 0.5, 0, 1) * np.clip(along * pixels_per_unit + 0.5, 0, 1)
    shade = 0.55 + 0.45 * np.cos(np.clip(across / half, -1, 1) * 1.3 - 0.4)
    image = image * (1 - cover[..., None]) + (colour * shade[..., None]) * cover[..., None]
    if obj == "mallet":
        radius = 0.09
        centre_u, centre_w = tip[0] + direction[0] * radius, tip[1] + direction[1] * radius
        d = np.hypot(su - centre_u, sw - centre_w)
        head = np.clip((radius - d) * pixels_per_unit + 0.5, 0, 1)
        lit = 0.6 + 0.4 * np.clip(1 - np.hypot(su - centre_u + 0.03, sw - centre_w + 0.03) / radius, 0, 1)
        image = image * (1 - head[..., None]) + (head_colour * lit[..., None]) * head[..., None]
    return image


# JPEG's luminance quantisation table (ITU T.81 Annex K); chroma is quantised twice as coarsely here.
_JPEG_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64).reshape(8, 8)


def _codec(rng, frames, quality, noise_sigma):
    """Codec-like degradation: YCbCr, 8x8 DCT blocks quantised with a JPEG table at `quality`, then sensor noise."""
    rgb = frames * 255.0
    to_ycc = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
    ycc = rgb @ to_ycc.T
    ycc[..., 0] -= 128
    t, h, w, _ = ycc.shape
    blocks = ycc.reshape(t, h // 8, 8, w // 8, 8, 3).transpose(0, 1, 3, 5, 2, 4)
    coeffs = sfft.dctn(blocks, axes=(-2, -1), norm="ortho")
    scale = (5000 / quality if quality < 50 else 200 - 2 * quality) / 100
    step = np.maximum(_JPEG_LUMA * scale, 1)[None, None, None, None] * np.array([1, 2, 2])[:, None, None]
    coeffs = np.round(coeffs / step) * step
    ycc = sfft.idctn(coeffs, axes=(-2, -1), norm="ortho").transpose(0, 1, 4, 2, 5, 3).reshape(t, h, w, 3)
    ycc[..., 0] += 128
    rgb = ycc @ np.linalg.inv(to_ycc).T + rng.normal(0, noise_sigma, ycc.shape)
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------- captions

_NOUNS = {
    "wood": ("wood", "a wooden board", "a wooden table", "a plank"),
    "metal": ("metal", "a metal plate", "a steel sheet", "a metal surface"),
    "glass": ("glass", "a glass pane", "a glass surface", "a sheet of glass"),
    "ceramic": ("ceramic", "ceramic tiles", "a tiled floor", "a ceramic tile"),
    "cloth": ("cloth", "a piece of fabric", "a cushion", "a towel"),
    "water": ("water", "a pool of water", "a water surface", "a tub of water"),
}
_PHRASES = {
    "hit": ("a {obj} hitting {noun}", "hitting {noun} with a {obj}", "someone strikes {noun} with a {obj}",
            "a {obj} tapping on {noun}", "knocking on {noun}", "{noun} being hit"),
    "scratch": ("scratching {noun}", "a {obj} scraping across {noun}", "rubbing a {obj} on {noun}",
                "someone scratches {noun} with a {obj}", "a {obj} dragged over {noun}", "scraping {noun}"),
}
_WATER_PHRASES = {
    "hit": ("something splashing in water", "a {obj} slapping {noun}", "splashing {noun} with a {obj}",
            "a {obj} hitting {noun}", "water splashes"),
    "scratch": ("stirring water with a {obj}", "a {obj} dragged through {noun}", "swishing {noun}",
                "a {obj} sloshing through water", "scratching {noun}"),
}


def _caption(rng, material, action, obj):
    phrases = (_WATER_PHRASES if material == "water" else _PHRASES)[action]
    noun = _NOUNS[material][int(rng.integers(len(_NOUNS[material])))]
    obj_word = "drumstick" if obj == "stick" and rng.random() < 0.3 else obj
    return phrases[int(rng.integers(len(phrases)))].format(obj=obj_word, noun=noun)


# ------------------------------------------------------------------------------------------- self-test


def _stft_mag(x, sr, n_fft=512, hop=128):
    _, _, z = signal.stft(x, sr, nperseg=n_fft, noverlap=n_fft - hop, boundary=None, padded=False)
    return np.abs(z)


def audio_features(clip: Clip) -> np.ndarray:
    """Hand-made audio features: 16 log band energies (relative), log spectral centroid, spectral flatness,
    tonality (peak-to-mean of the long-term spectrum), T60 from the decay after the loudest frame, and the
    fraction of time that is loud."""
    x = clip.audio.mean(0).astype(np.float64)
    sr = clip.sample_rate
    mag = _stft_mag(x, sr)
    power = mag ** 2
    freqs = np.fft.rfftfreq(512, 1 / sr)
    edges = np.geomspace(60, sr / 2, 17)
    bands = np.array([power[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])
    log_bands = np.log(bands + 1e-12)
    log_bands -= log_bands.mean()
    total = power.sum(0)
    loud = total > 0.05 * total.max()
    centroid = (freqs[:, None] * power).sum(0) / (total + 1e-12)
    flatness = np.exp(np.log(power[1:] + 1e-12).mean(0)) / (power[1:].mean(0) + 1e-12)
    energy_db = 10 * np.log10(total + 1e-12)
    peak = int(np.argmax(energy_db))
    tail = energy_db[peak:peak + int(0.3 * sr / 128)]
    slope = np.polyfit(np.arange(len(tail)) * 128 / sr, tail, 1)[0] if len(tail) > 3 else -60.0
    t60 = np.clip(-60.0 / min(slope, -1e-3), 0.005, 10.0)
    long_term = power.mean(1)
    tonality = np.log(long_term.max() / long_term.mean())
    return np.concatenate([log_bands, [np.log(np.average(centroid, weights=total + 1e-12)),
                                       np.average(flatness[loud]), tonality, np.log(t60), loud.mean()]])


def picture_features(clip: Clip) -> np.ndarray:
    """Hand-made picture features from the lower 40% of the frame (always surface): chromaticity, saturation,
    brightness spread, fine-texture energy per direction and diagonal (weave), highlight strength, change over time."""
    f = clip.frames.astype(np.float64) / 255.0
    region = f[:, int(0.6 * f.shape[1]):]
    lum = region.mean(-1)
    chroma = region.mean((0, 1, 2)) / (region.mean() + 1e-9)
    saturation = (region.max(-1) - region.min(-1)).mean() / (region.max(-1).mean() + 1e-9)
    fine_u = np.abs(np.diff(lum, axis=2)).mean() / (lum.mean() + 1e-9)
    fine_w = np.abs(np.diff(lum, axis=1)).mean() / (lum.mean() + 1e-9)
    checker = np.abs(np.diff(np.diff(lum, axis=1), axis=2)).mean() / (lum.mean() + 1e-9)
    highlight = np.quantile(lum, 0.99) / (np.median(lum) + 1e-9)
    change = np.abs(np.diff(lum, axis=0)).mean() / (lum.mean() + 1e-9) if len(lum) > 1 else 0.0
    return np.array([*np.log(chroma), saturation, lum.std() / (lum.mean() + 1e-9), np.log(fine_u + 1e-4),
                     np.log(fine_w + 1e-4), np.log(checker + 1e-4), np.log(highlight), np.log(change + 1e-4), np.log(lum.mean() + 1e-3)])


def nearest_centroid(train_x, train_y, test_x):
    """Standardise by the training set, one centroid per training label; the nearest centroid's label per test row."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-9
    a, b = (train_x - mean) / std, (test_x - mean) / std
    labels = sorted(set(train_y))
    centroids = np.stack([a[np.array(train_y) == c].mean(0) for c in labels])
    return [labels[i] for i in np.argmin(((b[:, None] - centroids[None]) ** 2).sum(-1), axis=1)]


def onset_offsets_ms(clip: Clip) -> list:
    """For each hit: ms from the event time to the peak of positive log-spectral flux (16 ms frames, 2 ms hop,
    like librosa's onset strength) within ±30 ms. Flux sees a new broadband contact under a ringing tone."""
    x = clip.audio.mean(0).astype(np.float64)
    sr, hop, n_fft = clip.sample_rate, clip.sample_rate // 500, clip.sample_rate // 62
    # Frame j covers samples [j·hop, j·hop + n_fft); its flux marks new energy at its last hop.
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
    log_mag = np.log(np.abs(np.fft.rfft(frames, axis=1)) + 1e-6)
    flux = np.concatenate([[0.0], np.clip(np.diff(log_mag, axis=0), 0, None).sum(1)])
    frame_end_s = (np.arange(len(flux)) * hop + n_fft - hop / 2) / sr
    offsets = []
    for t, kind, _ in clip.events:
        if kind != "hit":
            continue
        window = np.flatnonzero(np.abs(frame_end_s - t) <= 0.03)
        offsets.append((frame_end_s[window[np.argmax(flux[window])]] - t) * 1000.0)
    return offsets


def self_test(n_train=360, n_eval=240):
    started = time.time()
    report = []
    a, b = make_clip(123), make_clip(123)
    assert a.frames.tobytes() == b.frames.tobytes() and a.audio.tobytes() == b.audio.tobytes(), "not deterministic"
    assert a.events == b.events and a.caption == b.caption and a.speed.tobytes() == b.speed.tobytes()
    report.append("determinism: seed 123 twice -> identical frames, audio, events, caption, speed")

    counts = {}
    for seed in range(1200):
        counts[labels_for_seed(seed)] = counts.get(labels_for_seed(seed), 0) + 1
    assert len(counts) == 12 and set(counts.values()) == {100}, counts
    report.append("balance: seeds 0..1199 -> each of 12 (material, action) pairs exactly 100 times")

    for split in ("train", "val", "test"):
        for other in ("train", "val", "test"):
            r1, r2 = SPLIT_SEEDS[split], SPLIT_SEEDS[other]
            assert split == other or max(r1.start, r2.start) >= min(r1.stop, r2.stop), "split seeds overlap"

    def gather(seeds):
        clips = [make_clip(s) for s in seeds]
        return clips, np.stack([audio_features(c) for c in clips]), np.stack([picture_features(c) for c in clips])

    t0 = time.time()
    train, train_a, train_p = gather(SPLIT_SEEDS["train"][:n_train])
    rate = n_train / (time.time() - t0)
    held, held_a, held_p = gather(SPLIT_SEEDS["val"][:n_eval])
    report.append(f"speed: {rate:.1f} clips/s (2 s, 16 kHz mono, 8 fps, 64x64, one core)")

    peaks = [float(np.abs(c.audio).max()) for c in train + held]
    assert max(peaks) <= 0.99, max(peaks)
    report.append(f"no clipping: peak max {max(peaks):.3f}, min {min(peaks):.3f} over {len(peaks)} clips")

    offsets = np.array([o for c in train + held for o in onset_offsets_ms(c)])
    worst = float(np.abs(offsets).max())
    report.append(f"hit onsets: {len(offsets)} hits, |audio onset - event| median {np.median(np.abs(offsets)):.1f}"
                  f" ms, max {worst:.1f} ms")
    assert worst <= 10.0, worst

    results = {}
    for name, (tr, te) in (("audio", (train_a, held_a)), ("picture", (train_p, held_p))):
        def accuracy(key, centroids_by=None):
            labels = [(centroids_by or key)(c) for c in train]
            predicted = nearest_centroid(tr, labels, te)
            return float(np.mean([p.split("/")[0] == key(c) for p, c in zip(predicted, held)]))
        material = lambda c: c.material  # noqa: E731
        by_pair = accuracy(material, lambda c: c.material + "/" + c.action)
        results[name] = by_pair
        report.append(f"{name} nearest-centroid, fit on {n_train} train seeds, scored on {n_eval} val seeds: "
                      f"material {by_pair:.3f} (12 centroids, one per material/action), "
                      f"{accuracy(material):.3f} (6 centroids); action {accuracy(lambda c: c.action):.3f}")
    report.append(f"total {time.time() - started:.0f} s")
    print("\n".join(report))
    ok = results["audio"] >= 0.9 and results["picture"] >= 0.9
    print("separability:", "OK" if ok else "BELOW 0.9")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--self-test", action="store_true", help="run the checks and print a report")
    args = parser.parse_args()
    if not args.self_test:
        parser.print_help()
        sys.exit(0)
    sys.exit(self_test())
