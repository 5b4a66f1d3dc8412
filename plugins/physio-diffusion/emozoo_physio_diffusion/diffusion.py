"""Gaussian diffusion over multichannel signals [N, C, L]: schedule, forward process, L_simple and two samplers.

* linear beta schedule 1e-4 .. 0.02 over T = 1000 steps (Ho et al. 2020, Sec. 4), scaled by 1000 / T for other T;
* forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) (Ho et al. 2020, Eq. 4), sampled by
  reparameterisation x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps;
* L_simple = E_{t, x_0, eps} ||eps - eps_theta(x_t, t)||^2 (Ho et al. 2020, Eq. 14), optionally masked (padding);
* ancestral sampling (Ho et al. 2020, Algorithm 2) with the fixed reverse variance sigma_t^2 = beta_t ("large") or
  beta-tilde_t ("small"), over all steps or an evenly strided subset (respacing: beta'_i = 1 - abar_{k_i} / abar_{k_{i-1}},
  Nichol & Dhariwal 2021, Sec. 4), and DDIM (Song et al. 2021, Eq. 12; eta = 0 deterministic).

Written for 1-D signals rather than imported from emozoo-speech-diffusion: that module's samplers read the network
output's first channel as epsilon (one data channel plus a learned-variance channel), while here every one of the C
signal channels is predicted; and a dependency on a speech plugin would register a speech method as a side effect.

Indices: a :class:`Schedule` holds S steps (S = T for training, fewer once respaced); ``timesteps[i]`` is the original
step 0..T-1 that index i stands for, the value the network is conditioned on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

__all__ = [
    "Schedule",
    "ddim_sample",
    "ddpm_sample",
    "l_simple",
    "linear_betas",
    "make_schedule",
    "predict_x0",
    "q_sample",
    "spaced_timesteps",
]

ModelFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``model_fn(x_t, t) -> eps`` of x_t's shape: the predicted noise at original steps ``t`` [N]."""

Bounds = tuple[torch.Tensor, torch.Tensor] | None
"""(low, high) broadcastable to x: the range predicted x_0 is clamped to (DDPM clips images to [-1, 1]), or None."""


def linear_betas(num_timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """Ho et al. 2020's linear schedule, ``beta_start`` .. ``beta_end`` at T = 1000, both scaled by 1000 / T for other T (float64 [T]).

    The scaling (as in Nichol & Dhariwal 2021's code) keeps abar_T near 0, so x_T is close to N(0, I) for short test
    schedules too; betas are clipped at 0.999 where it would pass 1 (T < 20).
    """
    scale = 1000.0 / num_timesteps
    return torch.linspace(scale * beta_start, scale * beta_end, num_timesteps, dtype=torch.float64).clamp(max=0.999)


@dataclass(frozen=True)
class Schedule:
    """Every per-step coefficient of a diffusion with betas [S] (float64), and the original step of each index."""

    betas: torch.Tensor
    timesteps: torch.Tensor

    @property
    def num_steps(self) -> int:
        """S, the number of steps this schedule walks."""
        return int(self.betas.numel())

    @property
    def alphas_cumprod(self) -> torch.Tensor:
        """abar_t = prod_{s <= t} (1 - beta_s)."""
        return torch.cumprod(1.0 - self.betas, dim=0)

    @property
    def alphas_cumprod_prev(self) -> torch.Tensor:
        """abar_{t-1}, with abar_{-1} = 1."""
        return torch.cat([self.betas.new_ones(1), self.alphas_cumprod[:-1]])

    @property
    def posterior_variance(self) -> torch.Tensor:
        """beta-tilde_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t (Ho et al. 2020, Eq. 7)."""
        return self.betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)

    def reverse_variance(self, kind: Literal["large", "small"]) -> torch.Tensor:
        """sigma_t^2 of p(x_{t-1} | x_t): beta_t ("large", index 0 set to beta-tilde_1 as Ho et al.'s code does) or beta-tilde_t."""
        tilde = self.posterior_variance
        if kind == "small":
            return tilde
        return torch.cat([tilde[1:2], self.betas[1:]]) if self.num_steps > 1 else self.betas

    def respaced(self, indices: torch.Tensor) -> Schedule:
        """The schedule over a subset of its steps, keeping abar at those steps (Nichol & Dhariwal 2021, Sec. 4)."""
        abar = self.alphas_cumprod[indices]
        prev = torch.cat([abar.new_ones(1), abar[:-1]])
        return Schedule(betas=1.0 - abar / prev, timesteps=self.timesteps[indices])


def make_schedule(num_timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> Schedule:
    """The linear training schedule over ``num_timesteps`` steps."""
    return Schedule(betas=linear_betas(num_timesteps, beta_start, beta_end), timesteps=torch.arange(num_timesteps))


def spaced_timesteps(num_timesteps: int, count: int) -> torch.Tensor:
    """``count`` evenly spaced steps of 0..T-1, always holding the first and last (all of them for count >= T)."""
    if count >= num_timesteps:
        return torch.arange(num_timesteps)
    return torch.unique(torch.linspace(0, num_timesteps - 1, count, dtype=torch.float64).round().long())


def _at(values: torch.Tensor, index: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values[index]`` in ``like``'s dtype and device, shaped [N, 1, ..., 1] to broadcast over signals."""
    return values.to(like.device)[index.to(like.device)].to(like.dtype).reshape(-1, *([1] * (like.ndim - 1)))


def q_sample(schedule: Schedule, x0: torch.Tensor, index: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (Ho et al. 2020, Eq. 4 reparameterised)."""
    abar = schedule.alphas_cumprod
    return _at(abar.sqrt(), index, x0) * x0 + _at((1 - abar).sqrt(), index, x0) * noise


def l_simple(eps_pred: torch.Tensor, noise: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """L_simple: the mean squared error between predicted and true noise (Ho et al. 2020, Eq. 14), over unmasked positions."""
    err = (eps_pred - noise) ** 2
    if mask is None:
        return err.mean()
    mask = mask.expand_as(err)
    return (err * mask).sum() / mask.sum()


def predict_x0(schedule: Schedule, xt: torch.Tensor, index: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), the inverse of :func:`q_sample` given eps."""
    abar = schedule.alphas_cumprod
    return _at(abar.rsqrt(), index, xt) * xt - _at((1 / abar - 1).sqrt(), index, xt) * eps


def _clamp(x0: torch.Tensor, bounds: Bounds) -> torch.Tensor:
    return x0 if bounds is None else torch.maximum(torch.minimum(x0, bounds[1]), bounds[0])


def posterior_mean(schedule: Schedule, x0: torch.Tensor, xt: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Mean of q(x_{t-1} | x_t, x_0) (Ho et al. 2020, Eq. 7)."""
    abar, prev, betas = schedule.alphas_cumprod, schedule.alphas_cumprod_prev, schedule.betas
    c0 = betas * prev.sqrt() / (1 - abar)
    ct = (1 - prev) * (1 - betas).sqrt() / (1 - abar)
    return _at(c0, index, xt) * x0 + _at(ct, index, xt) * xt


@torch.no_grad()
def ddpm_sample(
    model_fn: ModelFn,
    schedule: Schedule,
    noise: torch.Tensor,
    generator: torch.Generator,
    variance: Literal["large", "small"] = "large",
    clip_x0: Bounds = None,
) -> torch.Tensor:
    """Ancestral sampling from x_S = ``noise`` down to x_0 (Ho et al. 2020, Algorithm 2) over ``schedule``'s steps.

    The mean is computed through the predicted (optionally clamped) x_0 and the posterior mean, which equals
    Algorithm 2's 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - abar_t) eps) when nothing is clamped.
    """
    x = noise
    sigma2 = schedule.reverse_variance(variance)
    for i in reversed(range(schedule.num_steps)):
        index = torch.full((len(x),), i, dtype=torch.long)
        eps = model_fn(x, schedule.timesteps[index].to(x.device))
        mean = posterior_mean(schedule, _clamp(predict_x0(schedule, x, index, eps), clip_x0), x, index)
        if i == 0:
            return mean
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
        x = mean + _at(sigma2.sqrt(), index, x) * z
    return x


@torch.no_grad()
def ddim_sample(
    model_fn: ModelFn,
    schedule: Schedule,
    noise: torch.Tensor,
    generator: torch.Generator,
    eta: float = 0.0,
    clip_x0: Bounds = None,
) -> torch.Tensor:
    """DDIM over ``schedule``'s steps (Song et al. 2021, Eq. 12): deterministic for ``eta = 0``, DDPM-like for 1."""
    x = noise
    abar, prev = schedule.alphas_cumprod, schedule.alphas_cumprod_prev
    for i in reversed(range(schedule.num_steps)):
        index = torch.full((len(x),), i, dtype=torch.long)
        eps = model_fn(x, schedule.timesteps[index].to(x.device))
        x0 = predict_x0(schedule, x, index, eps)
        if clip_x0 is not None:
            x0 = _clamp(x0, clip_x0)
            eps = (x - math.sqrt(float(abar[i])) * x0) / math.sqrt(float(1 - abar[i]))
        if i == 0:
            return x0
        a, a_prev = float(abar[i]), float(prev[i])
        sigma = eta * math.sqrt((1 - a_prev) / (1 - a)) * math.sqrt(1 - a / a_prev)
        x = math.sqrt(a_prev) * x0 + math.sqrt(max(1 - a_prev - sigma**2, 0.0)) * eps
        if sigma > 0:
            x = x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return x
