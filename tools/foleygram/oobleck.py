"""The Oobleck VAE of Stable Audio Open (stable-audio-tools models/autoencoders.py, blocks.py SnakeBeta) and the
ControlNet's envelope encoder built on its encoder, in plain PyTorch with the upstream module names.

Convolutions are weight-normed as upstream (`weight_g`/`weight_v` in the state dict); the exporter folds them.
"""

import math

import torch
from torch import nn
from torch.nn.utils import weight_norm


class SnakeBeta(nn.Module):
    """x + 1/beta * sin^2(alpha * x), alpha and beta stored as logarithms."""

    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        alpha = self.alpha.exp()[None, :, None]
        beta = self.beta.exp()[None, :, None]
        return x + (1.0 / (beta + 1e-9)) * torch.sin(x * alpha).pow(2)


def wn_conv(*args, **kwargs):
    return weight_norm(nn.Conv1d(*args, **kwargs))


class ResidualUnit(nn.Module):
    def __init__(self, channels, dilation):
        super().__init__()
        self.layers = nn.Sequential(
            SnakeBeta(channels), wn_conv(channels, channels, 7, dilation=dilation, padding=3 * dilation),
            SnakeBeta(channels), wn_conv(channels, channels, 1))

    def forward(self, x):
        return x + self.layers(x)


class EncoderBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.layers = nn.Sequential(
            ResidualUnit(in_channels, 1), ResidualUnit(in_channels, 3), ResidualUnit(in_channels, 9),
            SnakeBeta(in_channels),
            wn_conv(in_channels, out_channels, 2 * stride, stride=stride, padding=math.ceil(stride / 2)))

    def forward(self, x):
        return self.layers(x)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.layers = nn.Sequential(
            SnakeBeta(in_channels),
            weight_norm(nn.ConvTranspose1d(in_channels, out_channels, 2 * stride, stride=stride,
                                           padding=math.ceil(stride / 2))),
            ResidualUnit(out_channels, 1), ResidualUnit(out_channels, 3), ResidualUnit(out_channels, 9))

    def forward(self, x):
        return self.layers(x)


class OobleckEncoder(nn.Module):
    def __init__(self, in_channels, channels, latent_dim, c_mults, strides):
        super().__init__()
        c_mults = [1] + list(c_mults)
        layers = [wn_conv(in_channels, c_mults[0] * channels, 7, padding=3)]
        layers += [EncoderBlock(c_mults[i] * channels, c_mults[i + 1] * channels, strides[i])
                   for i in range(len(c_mults) - 1)]
        layers += [SnakeBeta(c_mults[-1] * channels), wn_conv(c_mults[-1] * channels, latent_dim, 3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class OobleckDecoder(nn.Module):
    def __init__(self, out_channels, channels, latent_dim, c_mults, strides, final_tanh=False):
        super().__init__()
        c_mults = [1] + list(c_mults)
        layers = [wn_conv(latent_dim, c_mults[-1] * channels, 7, padding=3)]
        layers += [DecoderBlock(c_mults[i] * channels, c_mults[i - 1] * channels, strides[i - 1])
                   for i in range(len(c_mults) - 1, 0, -1)]
        layers += [SnakeBeta(c_mults[0] * channels), wn_conv(c_mults[0] * channels, out_channels, 7, padding=3,
                                                             bias=False), nn.Tanh() if final_tanh else nn.Identity()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class EnvelopeEncoder(nn.Module):
    """The ControlNet's frozen VAE encoder: audio-rate envelope -> the (mean, scale) moments, 2 x latent_dim
    channels. The generator takes the mean or, as Stable-V2A does, samples mean + (softplus(scale) + 1e-4) * z,
    as the pack's `envelope.encoding` says (contract v2)."""

    def __init__(self, encoder, latent_dim):
        super().__init__()
        self.encoder, self.latent_dim = encoder, latent_dim

    def forward(self, envelope):
        return self.encoder(envelope)[:, :2 * self.latent_dim]
