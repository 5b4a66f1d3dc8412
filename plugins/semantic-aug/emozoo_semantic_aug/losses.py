"""The VAE-GAN objectives of Li et al. 2023 ("hinge" adversarial losses, a KLD loss to N(0, I), a reconstruction loss),
each a pure function of network outputs. Batch means of per-sample sums, so the terms are ELBO terms per image."""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["discriminator_hinge_loss", "generator_hinge_loss", "kl_divergence", "reconstruction_loss", "reparameterize"]


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2) (Kingma & Welling 2014, Eq. 10); ``noise`` is eps ~ N(0, I)."""
    return mu + torch.exp(0.5 * logvar) * noise


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2), mean over the batch
    (Kingma & Welling 2014, Appendix B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1).mean()


def reconstruction_loss(x_hat: torch.Tensor, x: torch.Tensor, std: float = 1.0) -> torch.Tensor:
    """sum over pixels of (x_hat - x)^2 / (2 std^2), mean over the batch: -log p(x | z) of a Gaussian decoder
    N(x_hat, std^2 I) up to its constant (ours: the paper names "a reconstruction loss" without its form)."""
    return (x_hat - x).pow(2).flatten(1).sum(1).mean() / (2.0 * std * std)


def discriminator_hinge_loss(real_scores: torch.Tensor, *fake_scores: torch.Tensor) -> torch.Tensor:
    """mean relu(1 - D(x)) + mean over the fake sets of mean relu(1 + D(x_fake)) (Lim & Ye 2017; Miyato et al. 2018)."""
    fake = torch.stack([F.relu(1.0 + s).mean() for s in fake_scores]).mean()
    return F.relu(1.0 - real_scores).mean() + fake


def generator_hinge_loss(*fake_scores: torch.Tensor) -> torch.Tensor:
    """-mean D(x_fake), averaged over the fake sets (the generator's hinge loss)."""
    return -torch.stack([s.mean() for s in fake_scores]).mean()
