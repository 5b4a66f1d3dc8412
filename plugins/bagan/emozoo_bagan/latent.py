"""BAGAN's class-conditional latent generator: one multivariate Gaussian per class over the autoencoder's codes."""

from __future__ import annotations

import torch

__all__ = ["class_gaussians", "sample_latent"]


def class_gaussians(codes: torch.Tensor, labels: torch.Tensor, num_classes: int, jitter: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(means [K, Z], Cholesky factors [K, Z, Z]) of each class's codes: the sample mean and unbiased covariance (``np.cov``).

    ``jitter * (trace / Z) * I`` (+1e-8) is added before the factorisation, so a class with fewer samples than latent
    dimensions (a singular covariance) still factorises; a class with one sample gets only the jitter (ours: BAGAN samples
    with numpy's SVD-based ``multivariate_normal``, which accepts singular matrices).
    """
    codes = codes.double()
    z = codes.shape[1]
    means = torch.zeros(num_classes, z, dtype=torch.float64)
    chols = torch.zeros(num_classes, z, z, dtype=torch.float64)
    eye = torch.eye(z, dtype=torch.float64)
    for c in range(num_classes):
        rows = codes[labels == c]
        means[c] = rows.mean(0)
        cov = torch.cov(rows.T) if len(rows) > 1 else torch.zeros(z, z, dtype=torch.float64)
        scale = float(torch.diagonal(cov).mean()) if len(rows) > 1 else 1.0
        chols[c] = torch.linalg.cholesky(cov + (jitter * scale + 1e-8) * eye)
    return means.float(), chols.float()


def sample_latent(means: torch.Tensor, chols: torch.Tensor, conditions: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Latent codes ``mu_c + L_c eps`` (eps ~ N(0, I)) for each class id in ``conditions``: draws from N(mu_c, Sigma_c)."""
    eps = torch.randn(len(conditions), means.shape[1], generator=generator, device="cpu" if generator is not None else means.device)
    eps = eps.to(means.device)
    return means[conditions] + torch.einsum("nij,nj->ni", chols[conditions], eps)
