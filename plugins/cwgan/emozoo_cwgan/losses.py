"""WGAN-GP objectives (Gulrajani et al. 2017, Algorithm 1) as pure functions, so they can be checked by hand.

The critic ``D`` maximises ``E[D(x_real)] - E[D(x_fake)]`` (the Kantorovich-Rubinstein estimate of the Wasserstein-1
distance); as a loss to minimise that is :func:`critic_loss`. The 1-Lipschitz constraint is enforced softly by
:func:`gradient_penalty`: ``E[(||grad_x D(x_hat)||_2 - 1)^2]`` on random interpolates ``x_hat`` between paired real
and fake samples, added with weight lambda (10 in the paper). The generator minimises :func:`generator_loss`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["critic_loss", "generator_loss", "gradient_penalty", "interpolate", "wasserstein_estimate"]


def wasserstein_estimate(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """``mean D(real) - mean D(fake)``: the critic's estimate of the Wasserstein-1 distance."""
    return real_scores.mean() - fake_scores.mean()


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """``mean D(fake) - mean D(real)`` (the negated Wasserstein estimate), without the gradient penalty."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """``-mean D(G(z, y))``: the generator raises the critic's score of its samples."""
    return -fake_scores.mean()


def interpolate(real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """``alpha * real + (1 - alpha) * fake`` per sample; ``alpha`` is [B] (broadcast over the feature dims)."""
    a = alpha.reshape(-1, *([1] * (real.ndim - 1))).to(real.dtype)
    return a * real + (1.0 - a) * fake


def gradient_penalty(
    critic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    condition: torch.Tensor,
    alpha: torch.Tensor | None = None,
) -> torch.Tensor:
    """``mean_i (||grad_x D(x_hat_i, y_i)||_2 - 1)^2`` with ``x_hat = alpha real + (1 - alpha) fake``, ``alpha ~ U[0, 1]``.

    The condition ``y`` is held fixed (real and fake share labels), so the penalty constrains ``D`` in ``x`` only.
    The graph is kept (``create_graph``) so the penalty trains the critic. Unweighted: multiply by lambda yourself.
    """
    if alpha is None:
        alpha = torch.rand(real.shape[0], device=real.device)
    x_hat = interpolate(real.detach(), fake.detach(), alpha).requires_grad_(True)
    scores = critic(x_hat, condition)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)
    return (norms - 1.0).square().mean()
