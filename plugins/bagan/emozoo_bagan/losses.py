"""BAGAN's objectives (Mariani et al. 2018, Sec. 3; official code's Keras losses), each a pure function."""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["discriminator_loss", "generator_loss", "reconstruction_loss"]


def reconstruction_loss(reconstruction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Autoencoder step: mean squared error ``mean((G(E(x)) - x)^2)`` (Keras ``mean_squared_error``)."""
    return F.mse_loss(reconstruction, target)


def discriminator_loss(real_logits: torch.Tensor, real_labels: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator step: (K+1)-way cross-entropy, real samples -> their class, generated ones -> "fake" (index K).

    One mean over the concatenated batch, as Keras' ``train_on_batch(concat(real, fake), concat(y, K))``:
    ``-(sum_real log D(x)_y + sum_fake log D(G(z))_K) / (n_real + n_fake)``.
    """
    k = real_logits.shape[1] - 1
    fake_labels = torch.full((len(fake_logits),), k, dtype=torch.long, device=fake_logits.device)
    return F.cross_entropy(torch.cat([real_logits, fake_logits]).float(), torch.cat([real_labels, fake_labels]))


def generator_loss(fake_logits: torch.Tensor, conditions: torch.Tensor) -> torch.Tensor:
    """Generator step: cross-entropy of D(G(z_c)) towards the class c the latent was drawn for: ``-mean log D(G(z_c))_c``."""
    return F.cross_entropy(fake_logits.float(), conditions)
