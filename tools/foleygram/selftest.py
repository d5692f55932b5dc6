"""Builds FoleyGRAM from a dimensions dict and runs it once end to end, forward and backward, checking every shape.

  cd tools && /usr/bin/python3 -m foleygram.selftest [--dims dims.json] [--frames 8]

Without --dims it uses config.reduced_dimensions. The forward pass is chained as generation chains it: the three
GRAM encoders -> projector -> cross-attention tokens of the DiT, whose ControlNet gets the envelope encoder's mean,
and the DiT's output -> VAE decoder; the VAE encoder -> decoder round trip runs beside it. One backward pass (of
those outputs and the GRAM embeddings) then shows which parameters training reaches: all of them except those the
upstream layouts keep but no forward path uses (UNUSED_BY_DESIGN).
"""

import argparse
import json
import sys

import torch

from . import config

TEXT_LENGTH = 40  # the pack's text.max_length
FBANK_SHAPE = (1024, 128)  # GRAM's fbank: target_frames x mel_bins
# Kept for strict key matching with the upstream checkpoints, never on a forward path.
UNUSED_BY_DESIGN = {
    "video_encoder.visual.head.weight", "video_encoder.visual.head.bias",  # CLIP's image projection; GRAM pools CLS
    "dit.controlnet.transformer.project_out.weight",  # the ControlNet returns hidden states, not the projection
}


def run_once(dims, frames, batch=2):
    """Runs every module once; returns ({name: output shape}, {name: expected shape}, parameters without a grad)."""
    torch.manual_seed(0)
    models = config.build_pack_models(dims)
    models["vae_encoder"] = config.oobleck_encoder(dims["encoder"])
    gram, latent, samples = dims["gram"], dims["latent_dim"], frames * dims["downsampling"]
    image = gram["vision"]["image_size"]
    modalities = len(dims["modalities"])
    seconds = torch.full((batch,), float(samples) / dims["sample_rate"])

    embeddings = {
        "video_encoder": models["video_encoder"](torch.randn(batch, 3, image, image)),
        "text_encoder": models["text_encoder"](torch.randint(0, gram["text"]["vocab"], (batch, TEXT_LENGTH)),
                                               torch.ones(batch, TEXT_LENGTH, dtype=torch.int64)),
        "audio_encoder": models["audio_encoder"](torch.randn(batch, *FBANK_SHAPE)),
    }
    by_modality = dict(zip(("video", "text", "audio"), embeddings.values()))
    outputs = dict(embeddings)
    outputs["projector"] = models["projector"](torch.stack([by_modality[m] for m in dims["modalities"]], dim=1))
    outputs["envelope_encoder"] = models["envelope_encoder"](torch.rand(batch, dims["audio_channels"], samples))
    outputs["dit"] = models["dit"](torch.randn(batch, latent, frames), torch.rand(batch), outputs["projector"],
                                   seconds * 0, seconds, outputs["envelope_encoder"][:, :latent], torch.ones(batch))
    outputs["decoder"] = models["decoder"](outputs["dit"])
    outputs["vae_encoder"] = models["vae_encoder"](torch.randn(batch, dims["audio_channels"], samples))
    round_trip = models["decoder"](outputs["vae_encoder"][:, :latent])
    # The encoders' own term stands in for the contrastive loss, which trains them whatever `modalities` holds.
    losses = [outputs["decoder"], round_trip] + list(embeddings.values())
    sum(output.square().mean() for output in losses).backward()

    expected = {"video_encoder": (batch, gram["contra_dim"]), "text_encoder": (batch, gram["contra_dim"]),
                "audio_encoder": (batch, gram["contra_dim"]),
                "projector": (batch, modalities, dims["dit"]["cond_token_dim"]),
                "envelope_encoder": (batch, 2 * latent, frames), "dit": (batch, latent, frames),
                "decoder": (batch, dims["audio_channels"], samples),
                "vae_encoder": (batch, dims["encoder"]["latent_dim"], frames)}
    shapes = {name: tuple(output.shape) for name, output in outputs.items()}
    no_grad = {f"{name}.{key}" for name, model in models.items() for key, parameter in model.named_parameters()
               if parameter.grad is None}
    params = {name: sum(p.numel() for p in model.parameters()) for name, model in models.items()}
    return shapes, expected, no_grad, params


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", help="a dimensions dict as JSON (default: config.reduced_dimensions)")
    parser.add_argument("--frames", type=int, default=8, help="latent frames per window")
    parser.add_argument("--vocab", type=int, default=1000, help="tokenizer size for the reduced dimensions")
    args = parser.parse_args(argv)
    if args.dims:
        with open(args.dims, encoding="utf-8") as f:
            dims = json.load(f)
    else:
        dims = config.reduced_dimensions(args.vocab)
    shapes, expected, no_grad, params = run_once(dims, args.frames)
    problems = [f"{name}: output {shapes[name]}, expected {shape}" for name, shape in expected.items()
                if shapes[name] != shape]
    problems += [f"{key}: no gradient" for key in sorted(no_grad - UNUSED_BY_DESIGN)]
    problems += [f"{key}: expected unused, but it has a gradient" for key in sorted(UNUSED_BY_DESIGN - no_grad)]
    for name in expected:
        print(f"  {name:<17} {params[name]:>10,} params -> {shapes[name]}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"OK: {args.frames} latent frames, every output shape as the dimensions say, every parameter reached "
          f"by one backward pass except the {len(UNUSED_BY_DESIGN)} unused by design")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
