"""Gaussian diffusion: noise schedules, the training objectives and the two samplers, each a pure function.

* forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) (Ho et al. 2020, Eq. 4);
* beta schedules: ``linear`` (Ho et al. 2020, 1e-4 .. 0.02 for T = 1000) and ``cosine`` (Nichol & Dhariwal 2021,
  Eq. 17, s = 0.008, betas clipped at 0.999);
* L_simple = E ||eps - eps_theta(x_t, t)||^2 (Ho et al. 2020, Eq. 14) and, for a learned variance, IDDPM's
  L_hybrid = L_simple + lambda * L_vlb (Nichol & Dhariwal 2021, Eq. 16, lambda = 0.001, a stop-gradient on the mean);
* ancestral sampling p(x_{t-1} | x_t) (Ho et al. 2020, Algorithm 2) over all steps or a strided subset (IDDPM's
  respacing, Sec. 4), and DDIM (Song et al. 2021, Eq. 12) with ``eta`` (0: deterministic).

Indices: ``Schedule`` holds S steps (S = T for the training schedule, fewer once respaced); ``timesteps[i]`` is the
original step (0..T-1) that index i stands for, the value the network is conditioned on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = [
    "Schedule",
    "cosine_betas",
    "ddim_sample",
    "ddpm_sample",
    "gaussian_nll",
    "linear_betas",
    "make_schedule",
    "normal_kl",
    "q_sample",
    "spaced_timesteps",
    "training_losses",
]

ModelFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``model_fn(x_t, t) -> [N, 1 or 2, H, W]``: predicted epsilon (and IDDPM's ``v`` when the variance is learned)."""


def linear_betas(num_timesteps: int) -> torch.Tensor:
    """Ho et al. 2020's linear schedule, 1e-4 .. 0.02 at T = 1000, rescaled by 1000 / T for other T (float64 [T]).

    Betas are clipped at 0.999 (the rescaled schedule passes 1 for T < 20, where it stops being a diffusion).
    """
    scale = 1000.0 / num_timesteps
    return torch.linspace(scale * 1e-4, scale * 0.02, num_timesteps, dtype=torch.float64).clamp(max=0.999)


def cosine_betas(num_timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal 2021's cosine schedule: abar(t) = f(t) / f(0), f(t) = cos((t/T + s)/(1 + s) * pi/2)^2 (float64 [T])."""
    steps = torch.arange(num_timesteps + 1, dtype=torch.float64) / num_timesteps
    f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
    abar = f / f[0]
    return (1 - abar[1:] / abar[:-1]).clamp(max=max_beta)


@dataclass(frozen=True)
class Schedule:
    """Every per-step coefficient of a diffusion with betas [S] (float64), and the original step of each index."""

    betas: torch.Tensor
    timesteps: torch.Tensor

    @property
    def num_steps(self) -> int:
        return int(self.betas.numel())

    @property
    def alphas_cumprod(self) -> torch.Tensor:
        return torch.cumprod(1.0 - self.betas, dim=0)

    @property
    def alphas_cumprod_prev(self) -> torch.Tensor:
        return torch.cat([self.betas.new_ones(1), self.alphas_cumprod[:-1]])

    @property
    def posterior_variance(self) -> torch.Tensor:
        """beta-tilde_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t (Ho et al. 2020, Eq. 7)."""
        return self.betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)

    @property
    def posterior_log_variance(self) -> torch.Tensor:
        """log beta-tilde_t, with index 0 (where beta-tilde is 0) set to index 1's value, as IDDPM's code does."""
        var = self.posterior_variance
        return torch.log(torch.cat([var[1:2], var[1:]]))

    def respaced(self, indices: torch.Tensor) -> Schedule:
        """The schedule over a subset of its steps: beta'_i = 1 - abar_{k_i} / abar_{k_{i-1}} (IDDPM, Sec. 4)."""
        abar = self.alphas_cumprod[indices]
        prev = torch.cat([abar.new_ones(1), abar[:-1]])
        return Schedule(betas=1.0 - abar / prev, timesteps=self.timesteps[indices])


def make_schedule(kind: str, num_timesteps: int) -> Schedule:
    """The ``"linear"`` or ``"cosine"`` training schedule over ``num_timesteps`` steps."""
    betas = {"linear": linear_betas, "cosine": cosine_betas}[kind](num_timesteps)
    return Schedule(betas=betas, timesteps=torch.arange(num_timesteps))


def spaced_timesteps(num_timesteps: int, count: int) -> torch.Tensor:
    """``count`` evenly spaced steps of 0..T-1, always holding the first and last (all of them for count >= T)."""
    if count >= num_timesteps:
        return torch.arange(num_timesteps)
    return torch.unique(torch.linspace(0, num_timesteps - 1, count, dtype=torch.float64).round().long())


def _at(values: torch.Tensor, index: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values[index]`` as float32 on ``like``'s device, shaped [N, 1, 1, 1] to broadcast over maps."""
    return values.to(like.device)[index.to(like.device)].to(like.dtype).reshape(-1, *([1] * (like.ndim - 1)))


def q_sample(schedule: Schedule, x0: torch.Tensor, index: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (Ho et al. 2020, Eq. 4 reparameterised)."""
    abar = schedule.alphas_cumprod
    return _at(abar.sqrt(), index, x0) * x0 + _at((1 - abar).sqrt(), index, x0) * noise


def normal_kl(mean1: torch.Tensor, logvar1: torch.Tensor, mean2: torch.Tensor, logvar2: torch.Tensor) -> torch.Tensor:
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) per element, in nats."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def gaussian_nll(x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """-log N(x; mean, e^logvar) per element, in nats (the t = 0 decoder term for continuous data; ours, see card)."""
    return 0.5 * (math.log(2 * math.pi) + logvar + (x - mean) ** 2 * torch.exp(-logvar))


def _posterior(schedule: Schedule, x0: torch.Tensor, xt: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Mean of q(x_{t-1} | x_t, x_0) (Ho et al. 2020, Eq. 7)."""
    abar, prev, betas = schedule.alphas_cumprod, schedule.alphas_cumprod_prev, schedule.betas
    c0 = betas * prev.sqrt() / (1 - abar)
    ct = (1 - prev) * (1 - betas).sqrt() / (1 - abar)
    return _at(c0, index, xt) * x0 + _at(ct, index, xt) * xt


def _predict_x0(schedule: Schedule, xt: torch.Tensor, index: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
    abar = schedule.alphas_cumprod
    return _at(abar.rsqrt(), index, xt) * xt - _at((1 / abar - 1).sqrt(), index, xt) * eps


def _model_log_variance(schedule: Schedule, index: torch.Tensor, out: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reverse log-variance: learned, v log beta_t + (1 - v) log beta-tilde_t with v = (out + 1) / 2 (IDDPM Eq. 15), or
    fixed at log beta-tilde_t (Ho et al. 2020's sigma_t^2 = beta-tilde_t) when the model predicts epsilon only."""
    log_tilde = _at(schedule.posterior_log_variance, index, like)
    if out.shape[1] == 1:
        return log_tilde.expand_as(like)
    frac = (out[:, 1:2] + 1) / 2
    return frac * _at(schedule.betas.log(), index, like) + (1 - frac) * log_tilde


Bounds = tuple[torch.Tensor, torch.Tensor] | None
"""(low, high) broadcastable to x: the data range predicted x_0 is clamped to (DDPM clips images to [-1, 1]), or None."""


def p_mean_variance(
    schedule: Schedule, out: torch.Tensor, xt: torch.Tensor, index: torch.Tensor, clip_x0: Bounds = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean, log-variance, predicted x_0) of p(x_{t-1} | x_t) from the network output; ``clip_x0`` clamps x_0."""
    x0 = _predict_x0(schedule, xt, index, out[:, :1])
    if clip_x0 is not None:
        x0 = torch.maximum(torch.minimum(x0, clip_x0[1]), clip_x0[0])
    return _posterior(schedule, x0, xt, index), _model_log_variance(schedule, index, out, xt), x0


def training_losses(
    out: torch.Tensor,
    schedule: Schedule,
    x0: torch.Tensor,
    xt: torch.Tensor,
    index: torch.Tensor,
    noise: torch.Tensor,
    mask: torch.Tensor | None = None,
    vlb_weight: float = 0.001,
) -> dict[str, torch.Tensor]:
    """The per-batch objective on the network output ``out`` for (x_0, x_t, t, eps): ``loss``, ``mse`` and ``vlb``.

    ``mse`` is L_simple; with a learned variance (``out`` has 2 channels) ``vlb`` is L_t of the bound in bits per
    element with the mean's gradient stopped, and ``loss = mse + vlb_weight * T * vlb`` (L_vlb = sum_t L_t estimated by
    T * L_t at a uniform t; IDDPM Eq. 16). ``mask`` (1 = real, 0 = padding) limits every mean to the real elements.
    """
    weights = torch.ones_like(x0) if mask is None else mask.expand_as(x0).to(x0.dtype)
    per = weights.flatten(1).sum(1)

    def mean(v: torch.Tensor) -> torch.Tensor:
        return ((v * weights).flatten(1).sum(1) / per).mean()

    mse = mean((noise - out[:, :1]) ** 2)
    if out.shape[1] == 1:
        return {"loss": mse, "mse": mse, "vlb": torch.zeros_like(mse)}
    frozen = torch.cat([out[:, :1].detach(), out[:, 1:]], dim=1)  # L_vlb trains the variance only
    mean_p, logvar_p, _ = p_mean_variance(schedule, frozen, xt, index)
    true_mean = _posterior(schedule, x0, xt, index)
    true_logvar = _at(schedule.posterior_log_variance, index, xt).expand_as(xt)
    kl = normal_kl(true_mean, true_logvar, mean_p, logvar_p)
    nll = gaussian_nll(x0, mean_p, logvar_p)
    first = (index.to(xt.device) == 0).reshape(-1, *([1] * (xt.ndim - 1)))
    vlb = mean(torch.where(first, nll, kl)) / math.log(2.0)
    return {"loss": mse + vlb_weight * schedule.num_steps * vlb, "mse": mse, "vlb": vlb}


@torch.no_grad()
def ddpm_sample(
    model_fn: ModelFn, schedule: Schedule, noise: torch.Tensor, generator: torch.Generator, clip_x0: Bounds = None
) -> torch.Tensor:
    """Ancestral sampling from x_S = ``noise`` down to x_0 over ``schedule``'s steps (Ho et al. 2020, Algorithm 2)."""
    x = noise
    for i in reversed(range(schedule.num_steps)):
        index = torch.full((len(x),), i, dtype=torch.long)
        out = model_fn(x, schedule.timesteps[index].to(x.device))
        mean, logvar, _ = p_mean_variance(schedule, out, x, index, clip_x0)
        if i == 0:
            return mean
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
        x = mean + torch.exp(0.5 * logvar) * z
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
        out = model_fn(x, schedule.timesteps[index].to(x.device))
        eps = out[:, :1]
        x0 = _predict_x0(schedule, x, index, eps)
        if clip_x0 is not None:
            x0 = torch.maximum(torch.minimum(x0, clip_x0[1]), clip_x0[0])
            eps = (x - _at(abar.sqrt(), index, x) * x0) / _at((1 - abar).sqrt(), index, x)
        if i == 0:
            return x0
        a, a_prev = float(abar[i]), float(prev[i])
        sigma = eta * math.sqrt((1 - a_prev) / (1 - a)) * math.sqrt(1 - a / a_prev)
        x = math.sqrt(a_prev) * x0 + math.sqrt(max(1 - a_prev - sigma**2, 0.0)) * eps
        if sigma > 0:
            x = x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return x
