#!/usr/bin/python3
"""Reference outputs of the eval-mini PyTorch checkpoints for foley-core's EvalPack and FrechetDistance tests.

    /usr/bin/python3 tools/reference/eval_mini_reference.py [--checkpoints /work/eval-mini-ckpt]

Rebuilds the modules of tools/train/train_eval_mini.py, loads the checkpoints the pack was exported from
(classifier.pt, clap.pt) and runs them on held-out world clips (test seeds, 2,000,000 on; never used in training):
torchaudio's Kaldi fbank on samples x 2^15 (128 mel bins, 25/10 ms), (fbank - norm_mean) / (2 * norm_std) with
pack.json's statistics, then the torch modules. The Java side runs the exported ONNX files on the same WAVs.

Writes into foley-core/src/test/resources/eval/:
  clip_<seed>.wav         one 2 s clip per material (both actions), 16-bit PCM mono at 16 kHz; the reference
                          reads the samples back as int16 / 32767, exactly what foley-core's WavFile returns
  eval_mini_reference.json per clip: labels, caption, logits, probabilities, classifier and CLAP embeddings;
                          CLAP text embeddings of every label caption and clip caption; a short (1.5 s, padded) and
                          a long (4.5 s, three windows) clip built from the fixtures; FAD values (scipy sqrtm)
  fad_clean.npy, fad_degraded.npy   classifier embeddings (float32) of 160 test clips, clean and degraded
                          (white noise at 20 dB SNR, then a 4 kHz low-pass)
  gaussian_a.npy, gaussian_b.npy    400 draws each of two 4-d Gaussians with known means and covariances
"""
from __future__ import annotations

import argparse
import json
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/train"))
import train_eval_mini as tem  # noqa: E402  (imports world, which pins the BLAS threads)
import world  # noqa: E402

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
import torch  # noqa: E402
import torchaudio  # noqa: E402
from scipy import signal  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from tiny_vocab import build_vocab  # noqa: E402

OUT = ROOT / "foley-core/src/test/resources/eval"
PACK = ROOT / "models/eval-mini"
# One clip per material; actions alternate so that both occur.
FIXTURE_LABELS = [("wood", "hit"), ("metal", "scratch"), ("glass", "hit"), ("ceramic", "scratch"), ("cloth", "hit"),
                  ("water", "scratch")]
FIRST_TEST_SEED = world.SPLIT_SEEDS["test"].start
FAD_SEEDS = range(FIRST_TEST_SEED + 1000, FIRST_TEST_SEED + 1160)


def first_seed_with(material, action):
    return next(s for s in world.SPLIT_SEEDS["test"] if world.labels_for_seed(s) == (material, action))


def to_pcm16(y):
    return np.round(np.clip(y, -1, 1) * 32767).astype(np.int16)


def from_pcm16(pcm):
    return pcm.astype(np.float32) / np.float32(32767)


def write_wav(path, pcm):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(tem.SAMPLE_RATE)
        w.writeframes(pcm.astype("<i2").tobytes())


class Models:
    """The checkpoints' modules in eval mode, fed the way training fed them."""

    def __init__(self, checkpoints, pack):
        audio = pack["preprocessing"]["audio"]
        self.mean, self.std, self.frames = audio["norm_mean"], audio["norm_std"], audio["target_frames"]
        classifier = tem.Classifier()
        classifier.load_state_dict(torch.load(checkpoints / "classifier.pt")["model"])
        clap = torch.load(checkpoints / "clap.pt")
        projection, text = tem.AudioProjection(), tem.TextEncoder(len(build_vocab()))
        projection.load_state_dict(clap["projection"])
        text.load_state_dict(clap["text"])
        self.classifier, self.projection, self.text = classifier.eval(), projection.eval(), text.eval()
        self.tokenizer = tem.WordPiece(build_vocab(), pack["preprocessing"]["text"]["max_length"])

    def window_input(self, samples):
        """Normalised fbank of one window, zero-padded (after normalisation) to target_frames."""
        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0) * 2 ** 15
        fbank = torchaudio.compliance.kaldi.fbank(waveform, num_mel_bins=tem.MEL_BINS, sample_frequency=16000,
                                                  frame_length=25, frame_shift=10)
        x = (fbank - self.mean) / (2 * self.std)
        assert len(x) <= self.frames
        return F.pad(x, (0, 0, 0, self.frames - len(x)))

    @torch.no_grad()
    def audio(self, windows):
        """(material logits, action logits, classifier embedding, CLAP audio embedding) per window."""
        x = torch.stack([self.window_input(w) for w in windows])
        hidden = self.classifier.backbone(x)
        return (self.classifier.material(hidden), self.classifier.action(hidden), F.normalize(hidden, dim=-1, eps=1e-8),
                F.normalize(self.projection(hidden), dim=-1, eps=1e-8))

    @torch.no_grad()
    def text_embeddings(self, captions):
        return F.normalize(self.text(*self.tokenizer.batch(captions)), dim=-1, eps=1e-8)


def frechet_scipy(a, b):
    """FAD as gudgud96 / fadtk compute it: float64, np.cov (n - 1), scipy.linalg.sqrtm of Σa·Σb."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(cov_a.dot(cov_b), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(cov_a)) * 1e-6
        covmean = scipy.linalg.sqrtm((cov_a + offset).dot(cov_b + offset))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3), np.abs(covmean.imag).max()
        covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))


def frechet_gaussians(mu_a, cov_a, mu_b, cov_b):
    """The exact distance between two known Gaussians (for the record: the sampled sets only approximate it)."""
    covmean = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))


def rows(tensor):
    return [[round(float(v), 7) for v in row] for row in tensor]


def degrade(y, rng, low_pass):
    noisy = y + rng.standard_normal(len(y)) * np.sqrt(np.mean(y ** 2) / 100)
    return signal.sosfilt(low_pass, noisy).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=Path, default=Path("/work/eval-mini-ckpt"))
    args = parser.parse_args()
    torch.set_num_threads(1)  # as training computed its fbanks
    pack = json.loads((PACK / "pack.json").read_text())
    models = Models(args.checkpoints, pack)
    OUT.mkdir(parents=True, exist_ok=True)

    clips = []
    for material, action in FIXTURE_LABELS:
        seed = first_seed_with(material, action)
        clip = world.make_clip(seed, duration_s=tem.CLIP_SECONDS, sample_rate=tem.SAMPLE_RATE, channels=1)
        pcm = to_pcm16(clip.audio[0])
        write_wav(OUT / f"clip_{seed}.wav", pcm)
        clips.append({"seed": seed, "wav": f"clip_{seed}.wav", "material": world.MATERIALS.index(material),
                      "action": world.ACTIONS.index(action), "caption": clip.caption, "samples": from_pcm16(pcm)})

    material_logits, action_logits, embedding, clap = models.audio([c["samples"] for c in clips])
    captions = pack["clap"]["label_captions"]
    label_text = models.text_embeddings(captions)
    own_text = models.text_embeddings([c["caption"] for c in clips])
    fixtures = []
    for i, c in enumerate(clips):
        fixtures.append({
            "seed": c["seed"], "wav": c["wav"], "material": c["material"], "action": c["action"],
            "caption": c["caption"],
            "material_logits": rows(material_logits[i:i + 1])[0], "action_logits": rows(action_logits[i:i + 1])[0],
            "material_probabilities": rows(material_logits[i:i + 1].softmax(-1))[0],
            "action_probabilities": rows(action_logits[i:i + 1].softmax(-1))[0],
            "embedding": rows(embedding[i:i + 1])[0], "clap_embedding": rows(clap[i:i + 1])[0],
            "caption_embedding": rows(own_text[i:i + 1])[0],
            "clap_score_own_caption": round(float(clap[i] @ own_text[i]), 7)})
        predicted = int(material_logits[i].argmax())
        assert predicted == c["material"], f"seed {c['seed']}: predicted {predicted}, labelled {c['material']}"

    # A 1.5 s clip: one window, fbank frames 148..197 zero after normalisation.
    short = clips[0]["samples"][:24000]
    short_out = models.audio([short])
    # 4.5 s: fixtures 1, 2 and the first half of 3. Windows at 0 and 2 s, and the last one aligned to the end
    # (2.5 s); scores average the windows' logits, embeddings are the normalised mean of the windows'.
    long = np.concatenate([clips[1]["samples"], clips[2]["samples"], clips[3]["samples"][:8000]])
    long_out = models.audio([long[0:32000], long[32000:64000], long[40000:72000]])

    def pooled(out):
        return {"material_logits": rows(out[0].mean(0, keepdim=True))[0],
                "action_logits": rows(out[1].mean(0, keepdim=True))[0],
                "embedding": rows(F.normalize(out[2].mean(0, keepdim=True), dim=-1))[0],
                "clap_embedding": rows(F.normalize(out[3].mean(0, keepdim=True), dim=-1))[0]}

    # FAD between 160 held-out clips and the same clips degraded.
    rng = np.random.default_rng(8)
    low_pass = signal.butter(8, 4000, fs=tem.SAMPLE_RATE, output="sos")
    clean_audio = [from_pcm16(to_pcm16(world.make_clip(s, duration_s=tem.CLIP_SECONDS).audio[0])) for s in FAD_SEEDS]
    clean = models.audio(clean_audio)[2].numpy().astype(np.float32)
    degraded = models.audio([degrade(y.astype(np.float64), rng, low_pass) for y in clean_audio])[2].numpy()
    degraded = degraded.astype(np.float32)
    np.save(OUT / "fad_clean.npy", clean)
    np.save(OUT / "fad_degraded.npy", degraded)

    # Two 4-d Gaussians with known parameters, 400 draws each, stored as float32 and measured on those values.
    mu_a, mu_b = np.array([0.0, 1.0, -1.0, 0.5]), np.array([1.0, 0.0, -1.5, 2.0])
    basis = np.random.default_rng(2).standard_normal((4, 4))
    cov_a = np.diag([1.0, 0.5, 2.0, 0.1])
    cov_b = basis @ basis.T / 4 + 0.2 * np.eye(4)
    draws = np.random.default_rng(3)
    gaussian_a = draws.multivariate_normal(mu_a, cov_a, 400).astype(np.float32)
    gaussian_b = draws.multivariate_normal(mu_b, cov_b, 400).astype(np.float32)
    np.save(OUT / "gaussian_a.npy", gaussian_a)
    np.save(OUT / "gaussian_b.npy", gaussian_b)

    reference = {
        "pack": "models/eval-mini", "checkpoints": "classifier.pt, clap.pt from tools/train/train_eval_mini.py",
        "torch": torch.__version__, "torchaudio": torchaudio.__version__,
        "fixtures": fixtures,
        "label_captions": captions, "label_caption_embeddings": rows(label_text),
        "short_clip": dict({"from": clips[0]["wav"], "samples": 24000}, **pooled(short_out)),
        "long_clip": dict({"parts": [clips[1]["wav"], clips[2]["wav"], clips[3]["wav"] + "[:8000]"],
                           "window_starts": [0, 32000, 40000]}, **pooled(long_out)),
        "fad": {
            "clean_vs_degraded": frechet_scipy(clean, degraded),
            "clean_vs_clean": frechet_scipy(clean, clean),
            "gaussian_a_vs_b": frechet_scipy(gaussian_a, gaussian_b),
            "gaussian_exact": frechet_gaussians(mu_a, cov_a, mu_b, cov_b),
        },
    }
    (OUT / "eval_mini_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    print(json.dumps(reference["fad"]), [f["seed"] for f in fixtures])


if __name__ == "__main__":
    main()
