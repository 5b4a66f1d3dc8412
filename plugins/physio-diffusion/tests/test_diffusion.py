"""The diffusion maths against hand computation: the schedule, q(x_t | x_0), L_simple and both samplers."""

from __future__ import annotations

import math

import pytest
import torch
from emozoo_physio_diffusion import diffusion as D


def test_linear_schedule_is_ho_et_al_at_1000_steps():
    betas = D.linear_betas(1000)
    assert betas.dtype == torch.float64 and betas.shape == (1000,)
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    assert (betas[1:] - betas[:-1]).sub((0.02 - 1e-4) / 999).abs().max().item() < 1e-12  # evenly spaced
    abar = D.make_schedule(1000).alphas_cumprod
    assert abar[-1].item() == pytest.approx(math.prod(1 - b for b in betas.tolist()), rel=1e-9)
    assert abar[-1].item() < 1e-4  # x_T is (nearly) pure noise
    assert D.linear_betas(100)[-1].item() == pytest.approx(0.2)  # scaled by 1000 / T for short schedules
    assert D.linear_betas(10).max().item() == 0.999


def test_q_sample_closed_form_by_hand():
    sched = D.make_schedule(50)
    betas = [2e-3 + i * (0.4 - 2e-3) / 49 for i in range(50)]  # 1e-4 .. 0.02 scaled by 1000 / 50
    x0 = torch.tensor([[[2.0, -1.0, 0.5]]])
    eps = torch.tensor([[[-1.0, 0.5, 2.0]]])
    for t in (0, 3, 49):
        abar = math.prod(1 - b for b in betas[: t + 1])
        expect = math.sqrt(abar) * x0 + math.sqrt(1 - abar) * eps
        assert torch.allclose(D.q_sample(sched, x0, torch.tensor([t]), eps), expect, atol=1e-6)
    # a batch mixes steps row by row, and predict_x0 inverts q_sample
    x0b, epsb, t = x0.repeat(3, 2, 1), eps.repeat(3, 2, 1), torch.tensor([0, 4, 49])
    xt = D.q_sample(sched, x0b, t, epsb)
    assert torch.allclose(D.predict_x0(sched, xt, t, epsb), x0b, atol=1e-3)  # float32: 1 / sqrt(abar_49) is large


def test_q_sample_marginal_statistics():
    sched = D.make_schedule(1000)
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((20000, 1, 1), 3.0)
    t = torch.full((20000,), 499)
    xt = D.q_sample(sched, x0, t, torch.randn(x0.shape, generator=g))
    abar = sched.alphas_cumprod[499].item()
    assert xt.mean().item() == pytest.approx(3 * math.sqrt(abar), abs=0.03)
    assert xt.var().item() == pytest.approx(1 - abar, rel=0.05)


def test_posterior_and_reverse_variances_by_hand():
    sched = D.make_schedule(10)
    abar = sched.alphas_cumprod
    var = sched.posterior_variance
    assert var[3].item() == pytest.approx((1 - abar[2].item()) / (1 - abar[3].item()) * sched.betas[3].item())
    assert var[0].item() == 0.0
    large, small = sched.reverse_variance("large"), sched.reverse_variance("small")
    assert torch.equal(small, var) and torch.equal(large[1:], sched.betas[1:]) and large[0] == var[1]


def test_l_simple_is_the_masked_noise_mse():
    eps = torch.zeros(2, 2, 3)
    noise = torch.zeros(2, 2, 3)
    noise[..., 2] = 2.0  # error 4 on the last position only
    assert D.l_simple(eps, noise).item() == pytest.approx(4 / 3)
    mask = torch.tensor([1.0, 1.0, 0.0]).reshape(1, 1, 3)
    assert D.l_simple(eps, noise, mask).item() == 0.0
    assert D.l_simple(eps, noise, torch.tensor([0.0, 0.0, 1.0]).reshape(1, 1, 3)).item() == pytest.approx(4.0)


def test_respaced_schedule_keeps_the_cumulative_alphas():
    sched = D.make_schedule(100)
    idx = D.spaced_timesteps(100, 10)
    assert idx[0] == 0 and idx[-1] == 99 and len(idx) == 10
    sub = sched.respaced(idx)
    assert torch.allclose(sub.alphas_cumprod, sched.alphas_cumprod[idx])
    assert torch.equal(sub.timesteps, idx) and torch.equal(D.spaced_timesteps(10, 50), torch.arange(10))


def _oracle(x0: torch.Tensor, full: D.Schedule):
    """The exact denoiser of a point mass at ``x0``: eps = (x_t - sqrt(abar) x0) / sqrt(1 - abar)."""
    abar = full.alphas_cumprod

    def fn(x, t):
        a = abar[t].float().reshape(-1, 1, 1)
        return (x - a.sqrt() * x0) / (1 - a).sqrt()

    return fn


@pytest.mark.parametrize("sampler", ["ddim", "ddpm", "ddpm-full"])
def test_samplers_recover_a_point_mass_from_its_exact_denoiser(sampler):
    full = D.make_schedule(100)
    sched = full if sampler == "ddpm-full" else full.respaced(D.spaced_timesteps(100, 25))
    x0 = torch.linspace(-2, 2, 12).reshape(1, 3, 4)
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(5, 3, 4, generator=g)
    if sampler == "ddim":
        out = D.ddim_sample(_oracle(x0, full), sched, noise, g)
    else:
        out = D.ddpm_sample(_oracle(x0, full), sched, noise, g)
    assert torch.allclose(out, x0.expand_as(out), atol=1e-3)


def test_ddpm_sampler_matches_a_gaussian_target():
    """For data N(m, s^2) the exact eps is known in closed form; ancestral sampling must return that distribution."""
    full = D.make_schedule(200)
    abar = full.alphas_cumprod
    m, s = 1.5, 0.5

    def fn(x, t):
        a = abar[t].float().reshape(-1, 1, 1)
        var = a * s**2 + (1 - a)  # x_t ~ N(sqrt(a) m, a s^2 + 1 - a); eps = -sqrt(1 - a) * score
        return (1 - a).sqrt() * (x - a.sqrt() * m) / var

    g = torch.Generator().manual_seed(1)
    for sample in (lambda n: D.ddpm_sample(fn, full, n, g), lambda n: D.ddim_sample(fn, full.respaced(D.spaced_timesteps(200, 50)), n, g)):
        out = sample(torch.randn(4000, 1, 1, generator=g))
        assert out.mean().item() == pytest.approx(m, abs=0.05) and out.std().item() == pytest.approx(s, abs=0.05)


def test_ddim_eta_0_is_deterministic_and_eta_1_is_not():
    sched = D.make_schedule(100).respaced(D.spaced_timesteps(100, 10))
    fn = lambda x, t: 0.5 * x
    noise = torch.randn(2, 3, 8, generator=torch.Generator().manual_seed(1))
    a = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(5))
    b = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(6))
    c = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(5), eta=1.0)
    d = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(6), eta=1.0)
    assert torch.equal(a, b) and not torch.equal(c, d)


def test_clip_bounds_the_predicted_x0():
    sched = D.make_schedule(50).respaced(D.spaced_timesteps(50, 5))
    fn = lambda x, t: -5 * torch.ones_like(x)
    noise = torch.zeros(2, 2, 4)
    out = D.ddim_sample(fn, sched, noise, torch.Generator(), clip_x0=(torch.tensor(-1.0), torch.tensor(1.0)))
    assert out.max().item() <= 1.0 + 1e-6
