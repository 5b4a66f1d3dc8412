"""Semantic augmentation in the VAE-GAN's latent space: new codes of a class from the codes of its real images.

Li et al. 2023 generate new samples "by introducing randomness into the encoding of the source data in the latent
space of VAE-GAN": a real image x of class c is encoded to q(z | x) = N(mu(x), diag sigma(x)^2) and a new code is drawn
around it. That alone cannot move far from a tail class's few images. So that a class with 3-5 images still gets
semantically varied samples (the point of a *long-tailed* augmentation), we add a class-conditional semantic shift
whose covariance is transferred from the head classes (ours, after ISDA, Wang et al. 2019, and the head-to-tail
variance transfer of Yin et al. 2019; see card.md):

    z = mu(x) + posterior_scale * sigma(x) * eps_1 + sqrt(strength) * L_c eps_2,      L_c L_c^T = Sigma_c^transfer
    Sigma_c^transfer = (n_c Sigma_c + kappa Sigma_head) / (n_c + kappa)

with Sigma_c the class's own within-class covariance of the posterior means, Sigma_head the pooled within-class
covariance of the head classes (n_c >= head_min_count) and kappa = ``transfer_shrinkage``: a tail class borrows the
head classes' directions of variation (pose, illumination, identity), a head class keeps mostly its own.
"""

from __future__ import annotations

import torch

from emozoo.errors import LabelError

__all__ = ["bank_indices", "class_covariances", "semantic_latents", "transferred_covariances"]


def class_covariances(codes: torch.Tensor, labels: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(counts [K], maximum-likelihood within-class covariances [K, d, d]) of ``codes`` [N, d] (float64; 0 for n_c < 2)."""
    codes = codes.double()
    d = codes.shape[1]
    counts = torch.bincount(labels, minlength=num_classes)
    covs = torch.zeros(num_classes, d, d, dtype=torch.float64)
    for c in range(num_classes):
        part = codes[labels == c]
        if len(part) >= 2:
            centred = part - part.mean(0)
            covs[c] = centred.T @ centred / len(part)
    return counts, covs


def transferred_covariances(
    counts: torch.Tensor, covs: torch.Tensor, *, head_min_count: int, shrinkage: float, jitter: float
) -> torch.Tensor:
    """Cholesky factors [K, d, d] of ``(n_c Sigma_c + kappa Sigma_head) / (n_c + kappa)`` + a ridge (module docstring).

    The head classes are those with ``n_c >= head_min_count``; where none is, every class with 2 or more samples. The
    ridge is ``jitter`` times the mean variance of ``Sigma_head`` (so the factor exists for rank-deficient covariances).
    """
    counts64 = counts.double()
    head = counts >= max(2, head_min_count)
    if not bool(head.any()):
        head = counts >= 2
    if not bool(head.any()):
        raise LabelError("semantic augmentation needs a class with at least 2 training images to learn directions of variation from")
    weights = counts64 * head
    pooled = (weights[:, None, None] * covs).sum(0) / weights.sum()
    mixed = (counts64[:, None, None] * covs + shrinkage * pooled) / (counts64 + shrinkage)[:, None, None]
    d = covs.shape[1]
    ridge = jitter * float(pooled.diagonal().mean().clamp_min(1e-12))
    return torch.linalg.cholesky(mixed + ridge * torch.eye(d, dtype=torch.float64)).float()


def bank_indices(labels: torch.Tensor, num_classes: int, bank_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """Per class, up to ``bank_size`` row indices of its training images (a seeded random subset, all when fewer)."""
    out = []
    for c in range(num_classes):
        rows = torch.nonzero(labels == c).squeeze(1)
        out.append(rows[torch.randperm(len(rows), generator=generator)[:bank_size]])
    return out


def semantic_latents(
    labels: torch.Tensor,
    bank_mu: torch.Tensor,
    bank_logvar: torch.Tensor,
    bank_count: torch.Tensor,
    chols: torch.Tensor,
    *,
    posterior_scale: float,
    strength: float,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(new codes [n, d], source bank rows [n]) for class ids ``labels`` [n]: a uniformly drawn source code of the class,
    its posterior noise scaled by ``posterior_scale`` and a shift ~ N(0, strength * Sigma_c^transfer)."""
    n, d = len(labels), bank_mu.shape[2]
    device = bank_mu.device
    counts = bank_count[labels].cpu()
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    rows = torch.minimum((u * counts).long(), counts - 1)
    eps_post = torch.randn(n, d, generator=generator)
    eps_sem = torch.randn(n, d, generator=generator)
    labels_d, rows_d = labels.to(device), rows.to(device)
    mu, logvar = bank_mu[labels_d, rows_d], bank_logvar[labels_d, rows_d]
    shift = torch.einsum("nij,nj->ni", chols[labels_d], eps_sem.to(device))
    z = mu + posterior_scale * torch.exp(0.5 * logvar) * eps_post.to(device) + strength ** 0.5 * shift
    return z, rows
