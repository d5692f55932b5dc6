#!/usr/bin/python3
"""Train and export models/eval-mini/: the evaluation pack of the procedural world (issue 8).

    /usr/bin/python3 tools/train/train_eval_mini.py                 # full run, writes models/eval-mini/
    /usr/bin/python3 tools/train/train_eval_mini.py --smoke         # about a minute, writes target/eval-mini-smoke/pack

Two models, trained apart from the generator on clean world audio (2 s, 16 kHz mono):
  (a) an audio classifier: Kaldi fbank (the project's KaldiFbank semantics, 128 mel bins, 198 frames) -> a small
      strided CNN -> a 128-d penultimate layer -> material (6) and action (2) logits. The penultimate layer,
      L2-normalised, is the embedding for FAD; the material logits give material accuracy.
  (b) a CLAP-style text-audio pair: a projection on the frozen classifier embedding and a bag-of-WordPiece text
      encoder over tools/export/tiny_vocab.py's vocabulary, trained with the symmetric InfoNCE loss on the
      (audio, caption) pairs of the world.

Stages (each resumes from its files under --work): fbank features per split (chunks of 256 clips), classifier
epochs, CLAP epochs, export, metrics. Training reads train seeds only; val seeds are for reporting, and test seeds
are scored once at the end (nothing is selected on either). Everything is seeded: a rerun, or a resumed run,
with the same arguments and thread count gives the same weights.

Needs Debian's python3-torch, python3-torchaudio, python3-onnx, numpy and scipy (run with /usr/bin/python3).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/train"))
sys.path.insert(0, str(ROOT / "tools/export"))
sys.path.insert(0, str(ROOT / "tools/reference"))
import world  # noqa: E402  (sets the BLAS thread count before numpy loads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from scipy import signal  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from fbank_reference import kaldi_fbank_of  # noqa: E402
from make_tiny_pack import tokenizer_json  # noqa: E402
from packlib import export_onnx, file_entry, tensor_spec, write_json  # noqa: E402
from tiny_vocab import build_vocab  # noqa: E402

FORMAT = "foleystream-eval/1"
NAME, VERSION = "eval-mini", "1.0.0"
SAMPLE_RATE = 16000
CLIP_SECONDS = 2.0
CLIP_SAMPLES = int(CLIP_SECONDS * SAMPLE_RATE)
MEL_BINS = 128
FBANK_FRAMES = 1 + (CLIP_SAMPLES - 400) // 160   # Kaldi snip_edges: 25 ms frames every 10 ms -> 198
LOG_FLOOR = math.log(torch.finfo(torch.float32).eps)
EMBEDDING_DIM = 128
CLAP_DIM = 64
TEXT_DIM = 64
TEXT_MAX_LENGTH = 32
CHUNK = 256
AUGMENTED_VIEWS = 4
# The 12 captions that CLAP retrieval ranks, one per (material, action), material-major like the classifier.
LABEL_CAPTIONS = [("a stick hitting " if action == "hit" else "scratching ") + material
                  for material in world.MATERIALS for action in world.ACTIONS]


# ------------------------------------------------------------------------------------------------ text

def _basic_tokens(text):
    """BERT's BasicTokenizer as tokenizer.json's BertNormalizer + BertPreTokenizer apply it: lowercase, strip
    accents, split on whitespace and around punctuation (CJK spacing and control-character removal left out: the
    world's captions are plain ASCII)."""
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    tokens = []
    for word in text.split():
        current = ""
        for c in word:
            if unicodedata.category(c).startswith("P") or (33 <= ord(c) <= 47) or (58 <= ord(c) <= 64) \
                    or (91 <= ord(c) <= 96) or (123 <= ord(c) <= 126):
                tokens += [current, c] if current else [c]
                current = ""
            else:
                current += c
        if current:
            tokens.append(current)
    return tokens


class WordPiece:
    """The HuggingFace BERT WordPiece tokenizer that tokenizer.json describes (greedy longest match, `##`
    continuations, [UNK] for a word that cannot be split), with [CLS] text [SEP], padded to max_length."""

    def __init__(self, vocab, max_length):
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.max_length = max_length

    def word_ids(self, word):
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    break
                end -= 1
            if end == start:
                return [self.ids["[UNK]"]]
            pieces.append(self.ids[piece])
            start = end
        return pieces

    def encode(self, text):
        """(input_ids, attention_mask), each max_length int64; longer texts are truncated before [SEP]."""
        ids = [i for word in _basic_tokens(text) for i in self.word_ids(word)][:self.max_length - 2]
        ids = [self.ids["[CLS]"]] + ids + [self.ids["[SEP]"]]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        return ids + [self.ids["[PAD]"]] * (self.max_length - len(ids)), mask

    def batch(self, texts):
        pairs = [self.encode(t) for t in texts]
        return (torch.tensor([p[0] for p in pairs], dtype=torch.int64),
                torch.tensor([p[1] for p in pairs], dtype=torch.int64))


# ------------------------------------------------------------------------------------------------ models

class AudioBackbone(nn.Module):
    """Normalised fbank (B, frames, mel bins) -> the 128-d penultimate layer: four stride-2 conv stages
    (198x128 -> 13x8), mean and max over time per channel and frequency row, a linear layer and ReLU."""

    def __init__(self, widths=(16, 32, 64, 128)):
        super().__init__()
        layers, channels = [], 1
        for width in widths:
            layers += [nn.Conv2d(channels, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.ReLU()]
            channels = width
        self.convs = nn.Sequential(*layers)
        rows = MEL_BINS // 2 ** len(widths)
        self.penultimate = nn.Sequential(nn.Linear(2 * channels * rows, EMBEDDING_DIM), nn.ReLU())

    def forward(self, fbank):
        x = self.convs(fbank.unsqueeze(1))                      # (B, C, time, rows)
        pooled = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)
        return self.penultimate(pooled.flatten(1))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = AudioBackbone()
        self.dropout = nn.Dropout(0.2)
        self.material = nn.Linear(EMBEDDING_DIM, len(world.MATERIALS))
        self.action = nn.Linear(EMBEDDING_DIM, len(world.ACTIONS))

    def forward(self, fbank):
        hidden = self.dropout(self.backbone(fbank))
        return self.material(hidden), self.action(hidden)


class ClassifierExport(nn.Module):
    """What classifier.onnx computes: both heads' logits and the L2-normalised penultimate embedding."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, fbank):
        hidden = self.classifier.backbone(fbank)
        return (self.classifier.material(hidden), self.classifier.action(hidden),
                F.normalize(hidden, dim=-1, eps=1e-8))


class AudioProjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(EMBEDDING_DIM, 128), nn.ReLU(), nn.Linear(128, CLAP_DIM))

    def forward(self, embedding):
        return self.net(embedding)


class TextEncoder(nn.Module):
    """WordPiece ids -> embedding table, mean over unmasked tokens, a two-layer MLP to the shared space."""

    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, TEXT_DIM)
        self.net = nn.Sequential(nn.Linear(TEXT_DIM, 128), nn.ReLU(), nn.Linear(128, CLAP_DIM))

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).to(torch.float32)
        mean = (self.embed(input_ids) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.net(mean)


class ClapAudioExport(nn.Module):
    def __init__(self, backbone, projection):
        super().__init__()
        self.backbone, self.projection = backbone, projection

    def forward(self, fbank):
        return F.normalize(self.projection(self.backbone(fbank)), dim=-1, eps=1e-8)


class ClapTextExport(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids, attention_mask):
        return F.normalize(self.text(input_ids, attention_mask), dim=-1, eps=1e-8)


# ------------------------------------------------------------------------------------------------ data

def clip_source(seeds, world_dir):
    """(seed, mono 16 kHz audio, material index, action index, caption) for each seed of `seeds`: rendered with
    world.make_clip, or read from the make_world.py shards under world_dir that hold them."""
    if world_dir is None:
        for seed in seeds:
            clip = world.make_clip(seed, duration_s=CLIP_SECONDS, sample_rate=SAMPLE_RATE, channels=1)
            yield (seed, clip.audio[0], world.MATERIALS.index(clip.material), world.ACTIONS.index(clip.action),
                   clip.caption)
        return
    split = next(name for name, split_seeds in world.SPLIT_SEEDS.items() if seeds.start in split_seeds)
    index = json.loads((world_dir / f"{split}.json").read_text())
    settings = index["settings"]
    if settings["sample_rate"] != SAMPLE_RATE or settings["duration_s"] != CLIP_SECONDS:
        raise SystemExit(f"{world_dir}: need {CLIP_SECONDS} s clips at {SAMPLE_RATE} Hz, found {settings}")
    wanted = set(seeds)
    for shard in index["shards"]:
        if wanted.isdisjoint(c["seed"] for c in shard["clips"]):
            continue
        with np.load(world_dir / shard["file"]) as data:
            for j, seed in enumerate(data["seed"]):
                if int(seed) in wanted:
                    yield (int(seed), data["audio"][j].mean(axis=0, dtype=np.float32), int(data["material"][j]),
                           int(data["action"][j]), str(data["caption"][j]))


def fbank(audio):
    """The raw Kaldi log-mel fbank (frames x 128) that foley-core's KaldiFbank computes for these samples."""
    return kaldi_fbank_of(np.ascontiguousarray(audio, dtype=np.float32), MEL_BINS)


def features(work, split, count, world_dir):
    """The split's fbanks, labels and captions, from cached chunks of CHUNK clips (written as they finish)."""
    folder = work / "features"
    folder.mkdir(parents=True, exist_ok=True)
    parts, started, made = [], time.time(), 0
    for first in range(0, count, CHUNK):
        size = min(CHUNK, count - first)
        path = folder / f"{split}-{first // CHUNK:04d}-{size}.npz"
        if not path.exists():
            seeds = world.SPLIT_SEEDS[split][first:first + size]
            rows = list(clip_source(seeds, world_dir))
            if [r[0] for r in rows] != list(seeds):
                raise SystemExit(f"{world_dir}: the {split} shards do not hold seeds {seeds.start}..{seeds.stop - 1}")
            np.savez(path, seed=np.array([r[0] for r in rows], dtype=np.int64),
                     fbank=np.stack([fbank(r[1]) for r in rows]).astype(np.float32),
                     material=np.array([r[2] for r in rows], dtype=np.int64),
                     action=np.array([r[3] for r in rows], dtype=np.int64),
                     caption=np.array([r[4] for r in rows]))
            made += size
            print(f"  {split}: {first + size}/{count} clips ({made / (time.time() - started):.1f} clips/s)",
                  flush=True)
        with np.load(path) as data:
            parts.append({key: data[key] for key in data.files})
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    expected = np.array(list(world.SPLIT_SEEDS[split][:count]))
    if not np.array_equal(merged["seed"], expected):
        raise SystemExit(f"{folder}: the cached {split} chunks do not hold seeds {expected[0]}..{expected[-1]}")
    return merged


def normalise(raw, stats):
    """BEATs' convention, (fbank - mean) / (2 * std), with this pack's own statistics."""
    return (raw - stats["norm_mean"]) / (2 * stats["norm_std"])


class Augment:
    """Fbank-domain augmentation of raw log-mel values: a recording gain (an additive log offset), additive white
    noise 30-70 dB under the clip's loudest bin (log(e^f + n)), and one time and one frequency mask."""

    def __init__(self, noise_profile):
        self.noise_profile = torch.from_numpy(noise_profile - noise_profile.max())

    def __call__(self, raw, generator):
        b = raw.shape[0]
        uniform = lambda *shape: torch.rand(*shape, generator=generator)  # noqa: E731
        gain_db = -12 + 18 * uniform(b, 1, 1)
        x = (raw + gain_db * math.log(10) / 10).clamp(min=LOG_FLOOR)
        below_peak = (30 + 40 * uniform(b, 1, 1)) * math.log(10) / 10
        noise = x.amax(dim=(1, 2), keepdim=True) - below_peak + self.noise_profile
        with_noise = uniform(b, 1, 1) < 0.5
        x = torch.where(with_noise, torch.logaddexp(x, noise), x)
        for axis, longest, length in ((1, 30, x.shape[1]), (2, 12, x.shape[2])):
            width = (uniform(b) * longest).long()
            start = (uniform(b) * (length - width)).long()
            position = torch.arange(length).unsqueeze(0)
            masked = (position >= start[:, None]) & (position < (start + width)[:, None])
            x = x.masked_fill(masked.unsqueeze(2 if axis == 1 else 1), float("nan"))
        return x  # NaN marks masked cells; the caller sets them to the normalised mean (0)


def white_noise_profile():
    """Mean log-mel level per bin of unit white noise: the spectral shape that Augment adds."""
    noise = np.random.default_rng(0).standard_normal(CLIP_SAMPLES).astype(np.float32) * 0.1
    return fbank(noise).mean(axis=0).astype(np.float32)


# ------------------------------------------------------------------------------------------------ training

def seeded_generator(*seed):
    generator = torch.Generator()
    generator.manual_seed(int(np.random.SeedSequence(list(seed)).generate_state(1)[0]))
    return generator


def load_checkpoint(path):
    return torch.load(path) if path.exists() else None


def save_checkpoint(path, state):
    scratch = path.with_suffix(".tmp")
    torch.save(state, scratch)
    os.replace(scratch, path)


def train_classifier(work, train, stats, args):
    path = work / "classifier.pt"
    torch.manual_seed(args.seed)
    model = Classifier()
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train["seed"]) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=args.epochs *
                                                   steps_per_epoch, pct_start=0.15)
    state = load_checkpoint(path)
    start_epoch, history = 0, []
    if state is not None:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        start_epoch, history = state["epoch"], state["history"]
        print(f"classifier: resuming after epoch {start_epoch}")
    augment = Augment(stats["noise_profile"])
    raw = torch.from_numpy(train["fbank"])
    material, action = torch.from_numpy(train["material"]), torch.from_numpy(train["action"])
    for epoch in range(start_epoch, args.epochs):
        started = time.time()
        generator = seeded_generator(args.seed, 1, epoch)
        torch.manual_seed(args.seed * 1000 + epoch)  # dropout
        model.train()
        order = torch.randperm(len(raw), generator=generator)
        total, correct = 0.0, 0
        for first in range(0, len(order), args.batch):
            batch = order[first:first + args.batch]
            x = normalise(augment(raw[batch], generator), stats).nan_to_num(0.0)
            material_logits, action_logits = model(x)
            loss = F.cross_entropy(material_logits, material[batch]) + F.cross_entropy(action_logits, action[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
            correct += (material_logits.argmax(1) == material[batch]).sum().item()
        history.append({"epoch": epoch + 1, "loss": total / len(raw), "train_material_acc": correct / len(raw),
                        "seconds": time.time() - started})
        print(f"classifier epoch {epoch + 1}/{args.epochs}: loss {total / len(raw):.4f}, train material "
              f"{correct / len(raw):.3f} ({time.time() - started:.0f} s)", flush=True)
        save_checkpoint(path, {"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                               "schedule": schedule.state_dict(), "epoch": epoch + 1, "history": history})
    model.eval()
    return model, history


@torch.no_grad()
def embed_audio(backbone, normalised, batch=256):
    backbone.eval()
    return torch.cat([backbone(normalised[i:i + batch]) for i in range(0, len(normalised), batch)])


def train_clap(work, train, backbone, tokenizer, stats, args):
    path = work / "clap.pt"
    torch.manual_seed(args.seed + 1)
    projection, text = AudioProjection(), TextEncoder(len(tokenizer.ids))
    log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    parameters = list(projection.parameters()) + list(text.parameters()) + [log_scale]
    optimiser = torch.optim.AdamW(parameters, lr=args.clap_lr, weight_decay=1e-4)
    state = load_checkpoint(path)
    start_epoch, history = 0, []
    if state is not None:
        projection.load_state_dict(state["projection"])
        text.load_state_dict(state["text"])
        log_scale.data.copy_(state["log_scale"])
        optimiser.load_state_dict(state["optimiser"])
        start_epoch, history = state["epoch"], state["history"]
        print(f"clap: resuming after epoch {start_epoch}")
    # The frozen classifier's penultimate layer, of the clean clips and of AUGMENTED_VIEWS augmented copies; epoch
    # e reads view e mod (views), so that the projection also learns the embeddings of noisier, quieter audio.
    raw = torch.from_numpy(train["fbank"])
    augment = Augment(stats["noise_profile"])
    views = [embed_audio(backbone, normalise(raw, stats))] + [
        embed_audio(backbone, normalise(augment(raw, seeded_generator(args.seed, 3, view)), stats).nan_to_num(0.0))
        for view in range(AUGMENTED_VIEWS)]
    ids, mask = tokenizer.batch([str(c) for c in train["caption"]])
    for epoch in range(start_epoch, args.clap_epochs):
        generator = seeded_generator(args.seed, 2, epoch)
        audio = views[epoch % len(views)]
        order = torch.randperm(len(audio), generator=generator)
        total = 0.0
        for first in range(0, len(order), args.clap_batch):
            batch = order[first:first + args.clap_batch]
            a = F.normalize(projection(audio[batch]), dim=-1)
            t = F.normalize(text(ids[batch], mask[batch]), dim=-1)
            logits = log_scale.clamp(max=math.log(100)).exp() * a @ t.T
            target = torch.arange(len(batch))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        history.append({"epoch": epoch + 1, "loss": total / len(audio)})
        if (epoch + 1) % 10 == 0 or epoch + 1 == args.clap_epochs:
            print(f"clap epoch {epoch + 1}/{args.clap_epochs}: InfoNCE {total / len(audio):.4f}, "
                  f"temperature {1 / log_scale.exp().item():.4f}", flush=True)
            save_checkpoint(path, {"projection": projection.state_dict(), "text": text.state_dict(),
                                   "log_scale": log_scale.data, "optimiser": optimiser.state_dict(),
                                   "epoch": epoch + 1, "history": history})
    projection.eval()
    text.eval()
    return projection, text, float(log_scale.clamp(max=math.log(100)).exp()), history  # CLIP's logit scale


# ------------------------------------------------------------------------------------------------ metrics

@torch.no_grad()
def evaluate(data, exports, tokenizer, stats):
    """Material and action accuracy of the classifier; audio->caption top-1 among LABEL_CAPTIONS; mean cosine
    of each clip's audio and its own caption (the CLAP score)."""
    classifier, clap_audio, clap_text = exports
    x = normalise(torch.from_numpy(data["fbank"]), stats)
    material_logits, action_logits, _ = classifier(x)
    audio = clap_audio(x)
    labels = clap_text(*tokenizer.batch(LABEL_CAPTIONS))
    captions = clap_text(*tokenizer.batch([str(c) for c in data["caption"]]))
    pair = torch.from_numpy(data["material"] * len(world.ACTIONS) + data["action"])
    material, action = torch.from_numpy(data["material"]), torch.from_numpy(data["action"])
    confusion = np.zeros((len(world.MATERIALS), len(world.MATERIALS)), dtype=int)
    np.add.at(confusion, (data["material"], material_logits.argmax(1).numpy()), 1)
    return {"clips": int(len(x)),
            "material_accuracy": round(float((material_logits.argmax(1) == material).float().mean()), 4),
            "action_accuracy": round(float((action_logits.argmax(1) == action).float().mean()), 4),
            "clap_label_top1": round(float(((audio @ labels.T).argmax(1) == pair).float().mean()), 4),
            "clap_score": round(float((audio * captions).sum(1).mean()), 4),
            "material_confusion": confusion.tolist()}


def degraded_val(count, world_dir, exports, tokenizer, stats):
    """Scores on val clips changed towards what a generator may output: white noise at 20 dB SNR, a 4 kHz
    low-pass, and a 20 dB lower level. Reported only; training never sees these."""
    noise = np.random.default_rng(0)
    low_pass = signal.butter(8, 4000, fs=SAMPLE_RATE, output="sos")
    changes = {"noise_20db_snr": lambda y: y + noise.standard_normal(len(y)) * np.sqrt(np.mean(y ** 2) / 100),
               "lowpass_4khz": lambda y: signal.sosfilt(low_pass, y),
               "gain_minus_20db": lambda y: y * 0.1}
    rows = list(clip_source(world.SPLIT_SEEDS["val"][:count], world_dir))
    labels = {"material": np.array([r[2] for r in rows]), "action": np.array([r[3] for r in rows]),
              "caption": np.array([r[4] for r in rows])}
    scores = {}
    for name, change in changes.items():
        changed = dict(labels, fbank=np.stack([fbank(change(r[1].astype(np.float64))) for r in rows]))
        measured = evaluate(changed, exports, tokenizer, stats)
        scores[name] = {key: measured[key] for key in ("clips", "material_accuracy", "action_accuracy",
                                                       "clap_label_top1")}
    return scores


# ------------------------------------------------------------------------------------------------ export

def io_specs():
    f32 = lambda name, *shape: tensor_spec(name, "float32", list(shape))  # noqa: E731
    i64 = lambda name, *shape: tensor_spec(name, "int64", list(shape))  # noqa: E731
    fbank_in = [f32("fbank", -1, FBANK_FRAMES, MEL_BINS)]
    return {
        "classifier": (fbank_in, [f32("material_logits", -1, len(world.MATERIALS)),
                                  f32("action_logits", -1, len(world.ACTIONS)),
                                  f32("embedding", -1, EMBEDDING_DIM)]),
        "clap_audio": (fbank_in, [f32("embedding", -1, CLAP_DIM)]),
        "clap_text": ([i64("input_ids", -1, TEXT_MAX_LENGTH), i64("attention_mask", -1, TEXT_MAX_LENGTH)],
                      [f32("embedding", -1, CLAP_DIM)]),
    }


def export_pack(out, exports, tokenizer, vocab, stats, logit_scale, metrics):
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "tokenizer.json", tokenizer_json(vocab))
    example_fbank = torch.zeros(2, FBANK_FRAMES, MEL_BINS)
    examples = {"classifier": example_fbank, "clap_audio": example_fbank,
                "clap_text": tokenizer.batch(LABEL_CAPTIONS[:2])}
    files = {"tokenizer": file_entry(str(out), "tokenizer.json")}
    for (name, (inputs, outputs)), model in zip(io_specs().items(), exports):
        export_onnx(model, examples[name], inputs, outputs, str(out / f"{name}.onnx"), f"foleystream-{NAME}")
        files[name] = file_entry(str(out), f"{name}.onnx", inputs, outputs)
    write_json(out / "pack.json", {
        "format": FORMAT, "name": NAME, "version": VERSION,
        "trained_on": "procedural Greatest Hits world (tools/train/world.py), train seeds only",
        "preprocessing": {"audio": {
            "sample_rate": SAMPLE_RATE, "channels": "mono (mean of channels)", "clip_seconds": CLIP_SECONDS,
            "fbank": "kaldi", "mel_bins": MEL_BINS, "frame_length_ms": 25, "frame_shift_ms": 10,
            "target_frames": FBANK_FRAMES, "norm_mean": stats["norm_mean"], "norm_std": stats["norm_std"]},
            "text": {"max_length": TEXT_MAX_LENGTH}},
        "labels": {"material": list(world.MATERIALS), "action": list(world.ACTIONS)},
        "embedding": {"classifier": EMBEDDING_DIM, "clap": CLAP_DIM},
        "clap": {"logit_scale": round(logit_scale, 6), "label_captions": LABEL_CAPTIONS},
        "metrics": {split: ({k: v for k, v in m.items() if k != "material_confusion"} if isinstance(m, dict) else m)
                    for split, m in metrics.items()},
        "files": files,
    })
    return sum(f.stat().st_size for f in out.iterdir())


# ------------------------------------------------------------------------------------------------ main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "target/eval-mini", help="features and checkpoints")
    parser.add_argument("--out", type=Path, help="pack folder (default models/eval-mini, or <work>/pack with --smoke)")
    parser.add_argument("--world", type=Path, help="read make_world.py shards from here instead of rendering")
    parser.add_argument("--train-clips", type=int, default=3600)
    parser.add_argument("--val-clips", type=int, default=600)
    parser.add_argument("--test-clips", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--clap-epochs", type=int, default=60)
    parser.add_argument("--clap-batch", type=int, default=128)
    parser.add_argument("--clap-lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1 when others train too)")
    parser.add_argument("--smoke", action="store_true", help="a one-minute run on few clips into --work-smoke")
    args = parser.parse_args(argv)
    if args.smoke:
        args.work = args.work.with_name(args.work.name + "-smoke")
        args.train_clips, args.val_clips, args.test_clips = 360, 120, 120
        args.epochs, args.clap_epochs = 3, 20
    out = args.out or (args.work / "pack" if args.smoke else ROOT / "models" / NAME)
    args.work.mkdir(parents=True, exist_ok=True)
    timings, started = {}, time.time()

    torch.set_num_threads(1)  # torchaudio's fbank rounds differently with more threads; keep the features fixed
    data = {split: features(args.work, split, count, args.world)
            for split, count in (("train", args.train_clips), ("val", args.val_clips), ("test", args.test_clips))}
    timings["features_s"] = round(time.time() - started, 1)
    torch.set_num_threads(args.threads)
    # Statistics of the training fbanks only, rounded so that pack.json states exactly what training used.
    stats = {"norm_mean": round(float(data["train"]["fbank"].mean()), 4),
             "norm_std": round(float(data["train"]["fbank"].std()), 4),
             "noise_profile": white_noise_profile()}

    mark = time.time()
    classifier, classifier_history = train_classifier(args.work, data["train"], stats, args)
    timings["classifier_s"] = round(time.time() - mark, 1)

    vocab = build_vocab()
    tokenizer = WordPiece(vocab, TEXT_MAX_LENGTH)
    longest = max(sum(tokenizer.encode(str(c))[1]) for c in data["train"]["caption"])
    assert longest < TEXT_MAX_LENGTH, f"a training caption fills all {TEXT_MAX_LENGTH} tokens"
    mark = time.time()
    projection, text, logit_scale, clap_history = train_clap(args.work, data["train"], classifier.backbone,
                                                             tokenizer, stats, args)
    timings["clap_s"] = round(time.time() - mark, 1)

    exports = [ClassifierExport(classifier).eval(), ClapAudioExport(classifier.backbone, projection).eval(),
               ClapTextExport(text).eval()]
    metrics = {"val": evaluate(data["val"], exports, tokenizer, stats)}
    print("val:", json.dumps({k: v for k, v in metrics["val"].items() if k != "material_confusion"}), flush=True)
    metrics["val_degraded"] = degraded_val(min(240, args.val_clips), args.world, exports, tokenizer, stats)
    print("val, degraded:", json.dumps(metrics["val_degraded"]), flush=True)
    # Scored once, after training and after val: nothing above reads the test seeds.
    metrics["test"] = evaluate(data["test"], exports, tokenizer, stats)
    print("test:", json.dumps({k: v for k, v in metrics["test"].items() if k != "material_confusion"}), flush=True)
    for split, count in (("train", args.train_clips), ("val", args.val_clips), ("test", args.test_clips)):
        seeds = world.SPLIT_SEEDS[split]
        metrics.setdefault("seeds", {})[split] = [seeds.start, seeds.start + count - 1]
    size = export_pack(out, exports, tokenizer, vocab, stats, logit_scale, metrics)
    timings["total_s"] = round(time.time() - started, 1)
    write_json(args.work / "report.json", {"args": {k: str(v) for k, v in vars(args).items()}, "timings": timings,
                                           "metrics": metrics, "classifier_history": classifier_history,
                                           "clap_final_loss": clap_history[-1]["loss"] if clap_history else None,
                                           "pack_bytes": size})
    print(f"wrote {out} ({size / 1e6:.2f} MB); timings {timings}")


if __name__ == "__main__":
    main()
