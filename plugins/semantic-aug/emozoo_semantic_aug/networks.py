"""The VAE-GAN's three networks, named as Li et al. 2023 name them: encoder E, generator (decoder) G, discriminator D.

The paper's layer sizes were not reachable; ours follow the VAE/GAN of Larsen et al. 2016 (the architecture the name
"VAE-GAN" refers to: 5x5 convolutions, three stride-2 stages, BatchNorm + ReLU in E and G, a 2048-unit encoder head,
a 128-d latent space), adapted from 64x64 to ``image_size`` (any multiple of 8; 48 -> 6x6 maps). D is trained with
the paper's hinge loss, so it takes spectral normalisation and LeakyReLU(0.2) instead of BatchNorm (the SN-GAN setting
hinge losses come from; ours).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

__all__ = ["Discriminator", "Encoder", "Generator"]

KERNEL = 5
STAGES = 3  # stride-2 stages: image_size must be a multiple of 2**3


class Encoder(nn.Module):
    """E: image [N, C, S, S] -> (mu, logvar) [N, latent_dim] of the Gaussian posterior q(z | x)."""

    def __init__(self, channels: int, image_size: int, widths: Sequence[int], hidden: int, latent_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = channels
        for w in widths:
            layers += [nn.Conv2d(c_in, int(w), KERNEL, stride=2, padding=KERNEL // 2, bias=False), nn.BatchNorm2d(int(w)), nn.ReLU()]
            c_in = int(w)
        side = image_size // 2 ** len(widths)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.hidden = nn.Sequential(nn.Linear(c_in * side * side, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.head(self.hidden(self.features(x))).chunk(2, dim=1)
        return mu, logvar


class Generator(nn.Module):
    """G (the VAE's decoder): latent [N, latent_dim] -> image [N, C, S, S] in [0, 1] (sigmoid output)."""

    def __init__(self, channels: int, image_size: int, widths: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        self.side = image_size // 2 ** len(widths)
        self.width = int(widths[0])
        self.project = nn.Sequential(nn.Linear(latent_dim, self.width * self.side * self.side, bias=False),
                                     nn.BatchNorm1d(self.width * self.side * self.side), nn.ReLU())
        layers: list[nn.Module] = []
        c_in = self.width
        for w in widths:
            layers += [nn.ConvTranspose2d(c_in, int(w), KERNEL, stride=2, padding=KERNEL // 2, output_padding=1, bias=False),
                       nn.BatchNorm2d(int(w)), nn.ReLU()]
            c_in = int(w)
        layers += [nn.Conv2d(c_in, channels, KERNEL, padding=KERNEL // 2), nn.Sigmoid()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z).view(len(z), self.width, self.side, self.side))


class Discriminator(nn.Module):
    """D: image [N, C, S, S] -> realness score [N] (unbounded; trained with the hinge loss)."""

    def __init__(self, channels: int, image_size: int, widths: Sequence[int], hidden: int) -> None:
        super().__init__()
        first, *rest = (int(w) for w in widths)
        layers: list[nn.Module] = [spectral_norm(nn.Conv2d(channels, first, KERNEL, padding=KERNEL // 2)), nn.LeakyReLU(0.2)]
        c_in = first
        for w in rest:
            layers += [spectral_norm(nn.Conv2d(c_in, w, KERNEL, stride=2, padding=KERNEL // 2)), nn.LeakyReLU(0.2)]
            c_in = w
        side = image_size // 2 ** len(rest)
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(spectral_norm(nn.Linear(c_in * side * side, hidden)), nn.LeakyReLU(0.2), spectral_norm(nn.Linear(hidden, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)
