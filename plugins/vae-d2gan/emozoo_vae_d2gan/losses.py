"""Loss terms of VAE-D2GAN: the dual-discriminator GAN objective (Nguyen et al. 2017) and the VAE terms.

D2GAN's discriminators output positive scores (softplus of a logit). With ``D1`` rewarding real data and ``D2``
rewarding generated data, the game is  min_G max_{D1,D2}  α·E[log D1(x)] − E[D1(G(z))] − E[D2(x)] + β·E[log D2(G(z))].
Every function takes the discriminators' *logits* (so ``log D = log softplus(logit)`` is computed stably) and
returns a scalar to minimise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: Below this logit, softplus(l) = exp(l) to float precision, so log softplus(l) = l (and avoids log(0)).
_LINEAR_BELOW = -15.0


def log_softplus(logit: torch.Tensor) -> torch.Tensor:
    """``log(softplus(logit))``, finite for every finite logit (softplus underflows to 0 below about -88)."""
    safe = torch.clamp(logit, min=_LINEAR_BELOW)
    return torch.where(logit < _LINEAR_BELOW, logit, torch.log(F.softplus(safe)))


def d1_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor, alpha: float) -> torch.Tensor:
    """D1's loss, the negated D1 part of the objective: −α·E[log D1(x)] + E[D1(G(z))]."""
    return -alpha * log_softplus(real_logit).mean() + F.softplus(fake_logit).mean()


def d2_loss(real_logit: torch.Tensor, fake_logit: torch.Tensor, beta: float) -> torch.Tensor:
    """D2's loss, the negated D2 part of the objective: E[D2(x)] − β·E[log D2(G(z))]."""
    return F.softplus(real_logit).mean() - beta * log_softplus(fake_logit).mean()


def generator_loss(d1_fake_logit: torch.Tensor, d2_fake_logit: torch.Tensor, beta: float) -> torch.Tensor:
    """The generator's part of the objective (terms without G dropped): −E[D1(G(z))] + β·E[log D2(G(z))]."""
    return -F.softplus(d1_fake_logit).mean() + beta * log_softplus(d2_fake_logit).mean()


def d2gan_objective(
    d1_real: torch.Tensor, d1_fake: torch.Tensor, d2_real: torch.Tensor, d2_fake: torch.Tensor, alpha: float, beta: float
) -> torch.Tensor:
    """The full D2GAN value J(G, D1, D2) from logits (what D1, D2 maximise and G minimises)."""
    return (
        alpha * log_softplus(d1_real).mean()
        - F.softplus(d1_fake).mean()
        - F.softplus(d2_real).mean()
        + beta * log_softplus(d2_fake).mean()
    )


def kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) summed over latent dims, averaged over the batch: ½·Σ(μ² + σ² − 1 − log σ²)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1).mean()


def reconstruction_loss(
    recon: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, log_var: torch.Tensor | None = None
) -> torch.Tensor:
    """Gaussian negative log-likelihood of the electrode cells, −log N(x; x̂, diag σ²) with ½·log 2π dropped, batch mean.

    Per sample: ½·Σ[(x̂ − x)²/σ² + log σ²] over the cells where ``mask`` [H, W] is 1 (the empty cells of the
    topological map do not count). ``log_var`` (log σ², broadcast against ``recon``) None: unit variance, ½·Σ(x̂ − x)².
    """
    sq = (recon - target).pow(2)
    if log_var is not None:
        sq = sq * torch.exp(-log_var) + log_var
    return 0.5 * (sq * mask).sum() / recon.shape[0]
