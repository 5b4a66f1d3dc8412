"""The AAE's objectives (Makhzani et al. 2016) as pure functions, and the priors the codes are matched to.

Makhzani et al.'s training alternates, per mini-batch, a *reconstruction phase* (encoder + decoder minimise the
reconstruction error) and a *regularisation phase* (the discriminator learns to tell prior samples from codes, then
the encoder, as the generator, learns to fool it) with the GAN value function (their Eq. 1, from Goodfellow et al.)

    min_G max_D  E_{z~p(z)}[log D(z)] + E_{x~p_d}[log(1 - D(q(x)))].
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

__all__ = [
    "discriminator_loss",
    "generator_loss",
    "mixture_means",
    "reconstruction_loss",
    "sample_categorical",
    "sample_gaussian",
    "sample_mixture",
]


def reconstruction_loss(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Mean squared error over samples and features (the reconstruction phase's objective)."""
    return F.mse_loss(x_hat, x)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(z_prior)] - E[log(1 - D(q(x)))]: Eq. 1 maximised over D, written as a loss (binary cross-entropy)."""
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(q(x))]: the encoder's (generator's) non-saturating form of Eq. 1 (Goodfellow et al. 2014, Sec. 3)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def mixture_means(num_classes: int, code_dim: int, radius: float) -> torch.Tensor:
    """One mode per class [K, code_dim]: ``radius`` times the k-th unit axis when code_dim >= K, else K points
    evenly spaced on a circle of that radius in the first two dimensions (Makhzani et al.'s 2-D 10-mode layout)."""
    means = torch.zeros(num_classes, code_dim)
    if code_dim >= num_classes:
        means[torch.arange(num_classes), torch.arange(num_classes)] = radius
    else:
        angle = 2 * math.pi * torch.arange(num_classes, dtype=torch.float64) / num_classes
        means[:, 0] = (radius * torch.cos(angle)).float()
        means[:, 1] = (radius * torch.sin(angle)).float()
    return means


def sample_mixture(labels: torch.Tensor, means: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Codes from the class-conditional mixture: z ~ N(means[label], std^2 I), one row per label."""
    noise = torch.randn(len(labels), means.shape[1], generator=generator).to(means.device)
    return means[labels] + std * noise


def sample_gaussian(n: int, dim: int, generator: torch.Generator | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """Codes from the plain Gaussian prior N(0, I) [n, dim]."""
    return torch.randn(n, dim, generator=generator).to(device)


def sample_categorical(n: int, num_classes: int, generator: torch.Generator | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """One-hot rows [n, K] from the uniform categorical prior Cat(1/K) (the semi-supervised AAE's y prior)."""
    idx = torch.randint(0, num_classes, (n,), generator=generator).to(device)
    return F.one_hot(idx, num_classes).float()
