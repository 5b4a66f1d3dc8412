"""The variance-exploding SDE of IMDer: marginal std, diffusion coefficient, score matching and samplers.

Forward SDE ``dx = sigma**t dw`` on t in [0, 1]; its perturbation kernel is N(x0, std(t)^2 I) with
``std(t) = sqrt((sigma**(2t) - 1) / (2 ln sigma))`` (Song et al. 2021, as used by the official code, sigma = 25).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
SAMPLERS = ("euler_maruyama", "pf_ode")
CONDITION_NOISE = ("shared", "independent", "none")


def marginal_std(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """Std of p_0t(x(t) | x(0)) for the VE SDE: sqrt((sigma^(2t) - 1) / (2 ln sigma))."""
    return torch.sqrt((sigma ** (2.0 * t) - 1.0) / (2.0 * math.log(sigma)))


def diffusion_coeff(t: torch.Tensor, sigma: float) -> torch.Tensor:
    """g(t) = sigma^t, the diffusion coefficient of the VE SDE."""
    return sigma**t


def score_matching_loss(
    score_fn: ScoreFn,
    x: torch.Tensor,
    condition: torch.Tensor,
    t: torch.Tensor,
    z: torch.Tensor,
    sigma: float,
    condition_noise: str = "shared",
) -> torch.Tensor:
    """Per-sample denoising score-matching loss ``sum_{C,T} (s(x + std z, t, c) * std + z)^2`` -> [N].

    ``condition_noise``: "shared" noises the condition with the same ``z`` and std (the official code), "independent"
    with fresh noise of the same std, "none" leaves it clean.
    """
    if condition_noise not in CONDITION_NOISE:
        raise ValueError(f"condition_noise must be one of {CONDITION_NOISE}, got {condition_noise!r}")
    std = marginal_std(t, sigma)[:, None, None]
    if condition_noise == "shared":
        cond = condition + z * std
    elif condition_noise == "independent":
        cond = condition + torch.randn_like(condition) * std
    else:
        cond = condition
    score = score_fn(x + z * std, t, cond)
    return ((score * std + z) ** 2).sum(dim=(1, 2))


@torch.no_grad()
def sample(
    score_fn: ScoreFn,
    condition: torch.Tensor,
    sigma: float,
    steps: int,
    method: str = "euler_maruyama",
    eps: float = 1e-3,
    condition_noise: str = "shared",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw x(eps) given ``condition`` [N, C, T] by integrating the reverse VE SDE from t = 1.

    ``euler_maruyama``: the paper's sampler (returns the last mean, no noise on the final step).
    ``pf_ode``: the probability-flow ODE ``dx/dt = -g^2 s / 2`` on the same grid with Heun's 2nd-order method (Euler on
    the last update): 2 * steps - 1 score evaluations, no injected noise (deterministic when the condition is clean).
    Unless ``condition_noise`` is "none", the condition gets fresh noise of std(t) at every step (official code).
    """
    if method not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {method!r}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    n, dev = condition.shape[0], condition.device

    def randn(shape: torch.Size) -> torch.Tensor:
        return torch.randn(shape, generator=generator, device=dev, dtype=condition.dtype)

    def cond_at(t: torch.Tensor) -> torch.Tensor:
        if condition_noise == "none":
            return condition
        return condition + randn(condition.shape) * marginal_std(t, sigma)[:, None, None]

    ones = torch.ones(n, device=dev, dtype=condition.dtype)
    x = randn(condition.shape) * marginal_std(ones, sigma)[:, None, None]
    # the official grid: `steps` updates at t = linspace(1, eps, steps), each of size dt (the last one from t = eps)
    times = torch.linspace(1.0, eps, steps, device=dev, dtype=condition.dtype)
    dt = times[0] - times[1] if steps > 1 else torch.tensor(1.0 - eps, device=dev, dtype=condition.dtype)

    def drift(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # g^2 * score
        return diffusion_coeff(t, sigma)[:, None, None] ** 2 * score_fn(x, t, cond_at(t))

    for i in range(steps):
        t = ones * times[i]
        if method == "euler_maruyama":
            mean = x + drift(x, t) * dt
            x = mean + torch.sqrt(dt) * diffusion_coeff(t, sigma)[:, None, None] * randn(x.shape)
            continue
        d1 = 0.5 * drift(x, t)
        x_euler = x + d1 * dt
        x = x + 0.5 * (d1 + 0.5 * drift(x_euler, ones * times[i + 1])) * dt if i + 1 < steps else x_euler
    return mean if method == "euler_maruyama" else x
