"""The four networks of VAE-D2GAN on [N, B, H, W] DE topological maps: encoder, generator (the VAE decoder), two discriminators.

All are class-conditional: the encoder and the discriminators see the label as K constant one-hot planes stacked
on the map's band channels; the generator sees it as a one-hot vector concatenated to the latent code.
Convolutions are 3x3; one stride-2 step takes a 9x9 map to 5x5 and a transposed stride-2 step brings it back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _half(size: int) -> int:
    """Spatial size after a 3x3, stride-2, padding-1 convolution."""
    return (size + 1) // 2


def label_planes(x: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
    """Stack one-hot labels [N, K] onto maps [N, B, H, W] as K constant planes: [N, B + K, H, W]."""
    n, _, h, w = x.shape
    return torch.cat([x, onehot[:, :, None, None].expand(n, onehot.shape[1], h, w)], dim=1)


class _ConvTrunk(nn.Module):
    """Conv(3x3, same) -> LeakyReLU -> Conv(3x3, stride 2) -> LeakyReLU -> flatten: the shared body of E, D1 and D2."""

    def __init__(self, in_channels: int, width: int, grid: tuple[int, int], slope: float):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)
        self.slope = slope
        self.out_features = 2 * width * _half(grid[0]) * _half(grid[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.conv1(x), self.slope)
        x = F.leaky_relu(self.conv2(x), self.slope)
        return x.flatten(1)


class Encoder(nn.Module):
    """q(z | x, y): maps a DE map and its label to the mean and log-variance of a diagonal Gaussian."""

    def __init__(self, bands: int, num_classes: int, width: int, latent_dim: int, grid: tuple[int, int], slope: float = 0.2):
        super().__init__()
        self.trunk = _ConvTrunk(bands + num_classes, width, grid, slope)
        self.head = nn.Linear(self.trunk.out_features, 2 * latent_dim)

    def forward(self, x: torch.Tensor, onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.head(self.trunk(label_planes(x, onehot))).chunk(2, dim=1)
        return mu, logvar


class Generator(nn.Module):
    """p(x | z, y) = N(G(z, y), diag σ²): the VAE decoder and the GAN generator.

    ``forward`` returns the mean G(z, y), with the cells that hold no electrode zeroed by ``mask``; ``log_var`` is the
    observation model's log σ², one per (band, cell), learned through the reconstruction NLL when ``learn_variance``
    (else fixed at 0: unit variance). ``sample`` adds the observation noise, so samples are not decoder means.
    """

    def __init__(self, bands: int, num_classes: int, width: int, latent_dim: int, grid: tuple[int, int], learn_variance: bool = True):
        super().__init__()
        self.log_var = nn.Parameter(torch.zeros(bands, *grid), requires_grad=learn_variance)
        self.start = (2 * width, _half(grid[0]), _half(grid[1]))
        self.fc = nn.Linear(latent_dim + num_classes, self.start[0] * self.start[1] * self.start[2])
        pad = (1 - grid[0] % 2, 1 - grid[1] % 2)  # output_padding that lands exactly on H x W
        self.up = nn.ConvTranspose2d(2 * width, width, 3, stride=2, padding=1, output_padding=pad)
        self.out = nn.Conv2d(width, bands, 3, padding=1)

    def forward(self, z: torch.Tensor, onehot: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc(torch.cat([z, onehot], dim=1))).view(-1, *self.start)
        h = F.relu(self.up(h))
        return self.out(h) * mask

    def sample(self, mean: torch.Tensor, mask: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """A draw from N(mean, diag σ²) given standard-normal ``eps`` shaped like ``mean`` (reparameterised)."""
        return mean + torch.exp(0.5 * self.log_var) * eps * mask


class Discriminator(nn.Module):
    """A D2GAN discriminator: returns the logit whose softplus is the positive score D(x | y)."""

    def __init__(self, bands: int, num_classes: int, width: int, grid: tuple[int, int], slope: float = 0.2):
        super().__init__()
        self.trunk = _ConvTrunk(bands + num_classes, width, grid, slope)
        self.head = nn.Linear(self.trunk.out_features, 1)

    def forward(self, x: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(label_planes(x, onehot))).squeeze(1)
