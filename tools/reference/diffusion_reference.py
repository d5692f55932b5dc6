#!/usr/bin/env python3
"""Reference outputs for foley-core's diffusion package, written once as test data.

The schedule and the samplers follow k-diffusion v0.1.1 (`get_sigmas_polyexponential`, `VDenoiser`,
`sample_euler`, `sample_dpmpp_2m`, `sample_dpmpp_2m_sde` with its default midpoint solver,
`sample_dpmpp_3m_sde`, each SDE sampler with eta and s_noise) as stable-audio-tools calls them, with CFG as in
`DiffusionTransformer.forward` (cond and uncond as one doubled batch). Two deliberate differences make the
outputs reproducible from Java:
- the network is an analytic toy, v = a*x_in + b*t (+ c on conditional rows), so Java can compute it exactly;
- the SDE noise is drawn up front and written out, replacing torchsde's Brownian tree (same N(0,1) marginals).
Everything runs in float64 except the model's inputs and outputs, which are float32 as in the ONNX runner.
Needs torch and numpy (Debian: python3-torch, python3-numpy).
"""
import json
import math
import pathlib

import numpy as np
import torch

TOY_A = 0.9
TOY_B = -0.4
TOY_COND_OFFSET = 0.25
BATCH, CHANNELS, FRAMES = 2, 3, 4


# --- k-diffusion v0.1.1, float64 -------------------------------------------------------------------

def get_sigmas_polyexponential(n, sigma_min, sigma_max, rho=1.0):
    ramp = torch.linspace(1, 0, n, dtype=torch.float64) ** rho
    sigmas = torch.exp(ramp * (math.log(sigma_max) - math.log(sigma_min)) + math.log(sigma_min))
    return torch.cat([sigmas, sigmas.new_zeros([1])])


class VDenoiser:
    """k_diffusion.external.VDenoiser with sigma_data = 1; model I/O in float32 like the ONNX runner."""

    def __init__(self, model):
        self.model = model

    def __call__(self, x, sigma):
        c_skip = 1 / (sigma ** 2 + 1)
        c_out = -sigma / (sigma ** 2 + 1) ** 0.5
        c_in = 1 / (sigma ** 2 + 1) ** 0.5
        t = torch.full([x.shape[0]], float(sigma.atan() / math.pi * 2), dtype=torch.float32)
        v = self.model((x * c_in).float(), t).double()
        return x * c_skip + v * c_out


def sample_euler(model, x, sigmas, callback=None):
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        d = (x - denoised) / sigmas[i]
        x = x + d * (sigmas[i + 1] - sigmas[i])
    return x


def sample_dpmpp_2m(model, x, sigmas, callback=None):
    sigma_fn = lambda t: t.neg().exp()
    t_fn = lambda sigma: sigma.log().neg()
    old_denoised = None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old_denoised is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised
        else:
            h_last = t - t_fn(sigmas[i - 1])
            r = h_last / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * denoised_d
        old_denoised = denoised
    return x


def sample_dpmpp_2m_sde(model, x, sigmas, noise_sampler, eta=1.0, s_noise=1.0, callback=None):
    """solver_type='midpoint', k-diffusion's default."""
    old_denoised, h_last = None, None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            t, s = -sigmas[i].log(), -sigmas[i + 1].log()
            h = s - t
            eta_h = eta * h
            x = sigmas[i + 1] / sigmas[i] * (-eta_h).exp() * x + (-h - eta_h).expm1().neg() * denoised
            if old_denoised is not None:
                r = h_last / h
                x = x + 0.5 * (-h - eta_h).expm1().neg() * (1 / r) * (denoised - old_denoised)
            if eta:
                x = x + noise_sampler() * sigmas[i + 1] * (-2 * eta_h).expm1().neg().sqrt() * s_noise
            h_last = h
        old_denoised = denoised
    return x


def sample_dpmpp_3m_sde(model, x, sigmas, noise_sampler, eta=1.0, s_noise=1.0, callback=None):
    denoised_1, denoised_2 = None, None
    h, h_1, h_2 = None, None, None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if callback is not None:
            callback({"x": x, "i": i, "sigma": sigmas[i], "denoised": denoised})
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            t, s = -sigmas[i].log(), -sigmas[i + 1].log()
            h = s - t
            h_eta = h * (eta + 1)
            x = torch.exp(-h_eta) * x + (-h_eta).expm1().neg() * denoised
            if h_2 is not None:
                r0 = h_1 / h
                r1 = h_2 / h
                d1_0 = (denoised - denoised_1) / r0
                d1_1 = (denoised_1 - denoised_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None:
                r = h_1 / h
                d = (denoised - denoised_1) / r
                phi_2 = h_eta.neg().expm1() / h_eta + 1
                x = x + phi_2 * d
            if eta:
                x = x + noise_sampler() * sigmas[i + 1] * (-2 * h * eta).expm1().neg().sqrt() * s_noise
        denoised_1, denoised_2 = denoised, denoised_1
        h_1, h_2 = h, h_1
    return x


# --- toy network with DiT-style CFG --------------------------------------------------------------

def toy_velocity(x_in, t, unconditional):
    """v = a*x_in + b*t, plus c on conditional rows; computed in float64 from float32 inputs, returned as float32."""
    offset = torch.where(unconditional, 0.0, TOY_COND_OFFSET).double()[:, None]
    return (TOY_A * x_in.double() + TOY_B * t.double()[:, None] + offset).float()


def guided(cfg_scale):
    def model(x_in, t):
        batch = x_in.shape[0]
        if cfg_scale == 1.0:
            return toy_velocity(x_in, t, torch.zeros(batch, dtype=torch.bool))
        both = toy_velocity(torch.cat([x_in, x_in]), torch.cat([t, t]),
                            torch.cat([torch.zeros(batch, dtype=torch.bool), torch.ones(batch, dtype=torch.bool)]))
        cond, uncond = both[:batch].double(), both[batch:].double()
        return (uncond + (cond - uncond) * cfg_scale).float()
    return model


def sample(name, model, x, sigmas, noise_sampler, eta=1.0, s_noise=1.0, callback=None):
    """stable-audio-tools' sample_k dispatch on the sampler name (noise_sampler() gives one step's N(0, 1) draw)."""
    if name == "euler":
        return sample_euler(model, x, sigmas, callback)
    if name == "dpmpp-2m":
        return sample_dpmpp_2m(model, x, sigmas, callback)
    if name == "dpmpp-2m-sde":
        return sample_dpmpp_2m_sde(model, x, sigmas, noise_sampler, eta, s_noise, callback)
    if name == "dpmpp-3m-sde":
        return sample_dpmpp_3m_sde(model, x, sigmas, noise_sampler, eta, s_noise, callback)
    raise ValueError(f"unknown sampler {name}")


def replay(draws):
    queue = list(draws)
    return lambda: queue.pop(0)


def main():
    out_dir = pathlib.Path(__file__).resolve().parents[2] / "foley-core/src/test/resources/diffusion"
    out_dir.mkdir(parents=True, exist_ok=True)

    schedules = []
    for steps, sigma_min, sigma_max, rho in [(100, 0.3, 500.0, 1.0), (250, 0.01, 100.0, 1.0), (10, 0.03, 80.0, 2.5),
                                             (2, 0.3, 500.0, 1.0), (1, 0.3, 500.0, 1.0)]:
        torch_sigmas = get_sigmas_polyexponential(steps, sigma_min, sigma_max, rho).numpy()
        ramp = np.linspace(1.0, 0.0, steps) ** rho
        numpy_sigmas = np.append(np.exp(ramp * (np.log(sigma_max) - np.log(sigma_min)) + np.log(sigma_min)), 0.0)
        assert np.allclose(torch_sigmas, numpy_sigmas, rtol=1e-14, atol=0)
        schedules.append({"steps": steps, "sigmaMin": sigma_min, "sigmaMax": sigma_max, "rho": rho,
                          "sigmas": numpy_sigmas.tolist()})
    (out_dir / "sigmas.json").write_text(json.dumps({"schedules": schedules}))

    steps = 8
    sigmas = get_sigmas_polyexponential(steps, 0.3, 500.0, 1.0)
    generator = torch.Generator().manual_seed(20240611)
    noise = torch.randn(BATCH, CHANNELS * FRAMES, generator=generator, dtype=torch.float32)
    step_noise = [torch.randn(BATCH, CHANNELS * FRAMES, generator=generator, dtype=torch.float32)
                  for _ in range(steps - 1)]  # the final step to sigma 0 draws none

    cases = []
    # (sampler, cfg scale, eta, s_noise): eta 0.5 with s_noise 1.3 fails if either is ignored; eta 0 draws no noise
    for sampler, cfg_scale, eta, s_noise in [
            ("euler", 1.0, 1.0, 1.0), ("dpmpp-2m", 1.0, 1.0, 1.0), ("dpmpp-2m-sde", 1.0, 1.0, 1.0),
            ("dpmpp-3m-sde", 1.0, 1.0, 1.0), ("dpmpp-2m", 7.0, 1.0, 1.0), ("dpmpp-2m-sde", 7.0, 1.0, 1.0),
            ("dpmpp-3m-sde", 7.0, 1.0, 1.0), ("dpmpp-2m-sde", 7.0, 0.5, 1.3), ("dpmpp-3m-sde", 7.0, 0.5, 1.3),
            ("dpmpp-2m-sde", 7.0, 1.0, 0.6), ("dpmpp-3m-sde", 7.0, 1.0, 0.6),
            ("dpmpp-2m-sde", 7.0, 0.0, 1.0), ("dpmpp-3m-sde", 7.0, 0.0, 1.0)]:
        denoiser = VDenoiser(guided(cfg_scale))
        x = noise.double() * sigmas[0]
        result = sample(sampler, denoiser, x, sigmas, replay(n.double() for n in step_noise), eta, s_noise)
        cases.append({"sampler": sampler, "cfgScale": cfg_scale, "eta": eta, "sNoise": s_noise,
                      "output": result.flatten().tolist()})

    (out_dir / "samplers.json").write_text(json.dumps({
        "toyModel": {"a": TOY_A, "b": TOY_B, "condOffset": TOY_COND_OFFSET},
        "batch": BATCH, "channels": CHANNELS, "frames": FRAMES,
        "sigmas": sigmas.tolist(),
        "noise": noise.flatten().tolist(),
        "stepNoise": [n.flatten().tolist() for n in step_noise],
        "cases": cases,
    }, indent=1))
    print("wrote", out_dir)


if __name__ == "__main__":
    main()
