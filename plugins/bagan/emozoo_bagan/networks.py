"""BAGAN's networks (Mariani et al. 2018, official Keras code IBM/BAGAN), for one-channel spectrograms [N, 1, T, D].

The official code builds square images; here height = frames and width = mel bins, padded (by the model) to a multiple
of ``2 ** num_downsamplings`` so every stride-2 convolution halves both sides exactly and the generator's upsampling
doubles back to the padded size. Layer order, widths, kernels, activations and initialisers follow the official code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["Discriminator", "Encoder", "Generator", "Reconstructor", "latent_grid"]

#: BAGAN halves the resolution until the latent feature map is at most this large (``min_latent_res`` in bagan_train.py).
MAX_LATENT_RES = 8


def latent_grid(num_frames: int, num_mels: int) -> tuple[int, int, int]:
    """(downsamplings n, padded frames, padded mels): halve until the longer side is <= 8, at least twice (BAGAN)."""
    n = 2  # the encoder's first four convolutions already hold two stride-2 layers
    while math.ceil(max(num_frames, num_mels) / 2**n) > MAX_LATENT_RES:
        n += 1
    step = 2**n
    return n, math.ceil(num_frames / step) * step, math.ceil(num_mels / step) * step


def _glorot(module: nn.Module, normal: bool = False) -> None:
    """Keras' initialisers: Glorot uniform (default) or Glorot normal weights, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            (nn.init.xavier_normal_ if normal else nn.init.xavier_uniform_)(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Encoder(nn.Module):
    """BAGAN's common encoder: 3x3 convs (strides 2,1,2,1, then pairs 2,1), each LeakyReLU + Dropout, flattened.

    Args:
        grid: (downsamplings, padded frames, padded mels) from :func:`latent_grid`.
        channels: widths of the first four convolutions; the deeper pairs use the last one (BAGAN: 32, 64, 128, 256).
        dropout: dropout after every convolution (BAGAN: 0.3).
        negative_slope: LeakyReLU slope (Keras' default ``alpha`` = 0.3, which BAGAN uses).
    """

    def __init__(self, grid: tuple[int, int, int], channels: Sequence[int], dropout: float, negative_slope: float) -> None:
        super().__init__()
        n, t, d = grid
        widths = [int(c) for c in channels] + [int(channels[-1])] * (2 * (n - 2))
        strides = [2, 1, 2, 1] + [2, 1] * (n - 2)
        layers: list[nn.Module] = []
        c_in = 1
        for width, stride in zip(widths, strides):
            layers += [nn.Conv2d(c_in, width, 3, stride=stride, padding=1), nn.LeakyReLU(negative_slope), nn.Dropout(dropout)]
            c_in = width
        self.net = nn.Sequential(*layers, nn.Flatten())
        self.out_features = c_in * (t // 2**n) * (d // 2**n)
        _glorot(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 1, T, D] -> [N, out_features]."""
        return self.net(x)


class Reconstructor(nn.Module):
    """The autoencoder's encoder: :class:`Encoder` -> linear latent code (BAGAN's ``reconstructor``)."""

    def __init__(self, encoder: Encoder, latent_dim: int) -> None:
        super().__init__()
        self.features = encoder
        self.latent = nn.Linear(encoder.out_features, latent_dim)
        _glorot(self.latent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 1, T, D] -> latent codes [N, latent_dim]."""
        return self.latent(self.features(x))


class Discriminator(nn.Module):
    """:class:`Encoder` -> K+1 logits (K emotions + "fake", the last); its encoder is initialised from the autoencoder's."""

    def __init__(self, encoder: Encoder, num_classes: int) -> None:
        super().__init__()
        self.features = encoder
        self.classes = nn.Linear(encoder.out_features, num_classes + 1)
        _glorot(self.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 1, T, D] -> logits [N, K+1] (softmax in the loss)."""
        return self.classes(self.features(x))


class Generator(nn.Module):
    """BAGAN's generator / decoder: dense 1024 -> dense to a C x T/2^n x D/2^n map -> n x (2x upsample, 5x5 conv) -> 2x2 conv, tanh.

    Args:
        grid: (downsamplings, padded frames, padded mels) from :func:`latent_grid`.
        latent_dim: size of the latent code (BAGAN: 100).
        dense: width of the first dense layer (BAGAN: 1024).
        map_channels: channels of the reshaped map (BAGAN: 128).
        channels: (width of every upsampling conv but the last, width of the last) (BAGAN: 256, 128).
        kernel: upsampling conv kernel (BAGAN: 5).
        output_range: the tanh output is scaled to (-output_range, output_range), the standardised input's range (ours).
    """

    def __init__(
        self, grid: tuple[int, int, int], latent_dim: int, dense: int, map_channels: int, channels: Sequence[int],
        kernel: int, output_range: float,
    ) -> None:
        super().__init__()
        n, t, d = grid
        self.map_shape = (int(map_channels), t // 2**n, d // 2**n)
        self.dense = nn.Sequential(
            nn.Linear(latent_dim, dense, bias=False), nn.ReLU(),
            nn.Linear(dense, math.prod(self.map_shape), bias=False), nn.ReLU(),
        )
        layers: list[nn.Module] = []
        c_in = int(map_channels)
        for i in range(n):
            width = int(channels[1] if i == n - 1 else channels[0])
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, width, kernel, padding=kernel // 2, bias=False), nn.ReLU()]
            c_in = width
        # Keras 'same' padding of an even 2x2 kernel pads one row/column after, none before
        layers += [nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(c_in, 1, 2, bias=False), nn.Tanh()]
        self.convs = nn.Sequential(*layers)
        self.output_range = float(output_range)
        _glorot(self.dense)
        _glorot(self.convs, normal=True)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes [N, latent_dim] -> standardised, padded spectrograms [N, 1, T_pad, D_pad]."""
        return self.convs(self.dense(z).view(len(z), *self.map_shape)) * self.output_range
