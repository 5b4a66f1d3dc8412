"""The cWGAN-GP generator and critic: fully connected nets on the flattened DE vector, conditioned by a one-hot label.

Conditioning follows the conditional GAN of Mirza & Osindero (2014), which Luo & Lu build on: the one-hot label is
concatenated to the noise (generator input) and to the sample (critic input). The critic has no batch
normalisation, as WGAN-GP requires (the penalty is per sample); the generator's output layer is linear because it
produces standardised (z-scored) features.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["Critic", "Generator"]


def _mlp(width: int, hidden: Sequence[int], out: int, activation: type[nn.Module], **act_kwargs: float) -> nn.Sequential:
    """Linear -> activation blocks of the given widths, then a linear output layer."""
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(width, int(h)), activation(**act_kwargs)]
        width = int(h)
    layers.append(nn.Linear(width, out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """``G(z, y)``: noise [B, latent_dim] and class ids [B] -> standardised DE vectors [B, out_dim]."""

    def __init__(self, latent_dim: int, num_classes: int, out_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.latent_dim, self.num_classes = int(latent_dim), int(num_classes)
        self.net = _mlp(self.latent_dim + self.num_classes, hidden, out_dim, nn.ReLU)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(z.dtype)
        return self.net(torch.cat([z, onehot], dim=1))


class Critic(nn.Module):
    """``D(x, y)``: DE vectors [B, in_dim] and class ids [B] -> unbounded scores [B] (no sigmoid, no batch norm)."""

    def __init__(self, in_dim: int, num_classes: int, hidden: Sequence[int], negative_slope: float = 0.2):
        super().__init__()
        self.num_classes = int(num_classes)
        self.net = _mlp(int(in_dim) + self.num_classes, hidden, 1, nn.LeakyReLU, negative_slope=negative_slope)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(labels, self.num_classes).to(x.dtype)
        return self.net(torch.cat([x, onehot], dim=1)).squeeze(1)
