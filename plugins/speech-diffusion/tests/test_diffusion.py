"""The diffusion maths against hand computation: schedules, q(x_t | x_0), the objectives and the samplers."""

from __future__ import annotations

import math

import pytest
import torch

from emozoo_speech_diffusion import diffusion as D


def test_linear_schedule_is_ho_et_al_at_1000_steps():
    betas = D.linear_betas(1000)
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    assert D.linear_betas(100)[-1].item() == pytest.approx(0.2)  # rescaled by 1000 / T
    assert D.linear_betas(10).max().item() == 0.999  # clipped where the rescaling would pass 1


def test_cosine_schedule_matches_its_closed_form():
    t_total, s = 50, 0.008
    abar = D.make_schedule("cosine", t_total).alphas_cumprod
    f = lambda t: math.cos((t / t_total + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    for t in (0, 10, 25, 40):
        assert abar[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert D.cosine_betas(t_total).max().item() <= 0.999


def test_q_sample_and_posterior_variance_by_hand():
    sched = D.make_schedule("linear", 10)
    x0, eps = torch.full((1, 1, 2, 2), 2.0), torch.full((1, 1, 2, 2), -1.0)
    t = torch.tensor([3])
    abar = float(torch.prod(1 - sched.betas[:4]))
    expect = math.sqrt(abar) * 2.0 - math.sqrt(1 - abar)
    assert torch.allclose(D.q_sample(sched, x0, t, eps), torch.full_like(x0, expect), atol=1e-6)
    var = sched.posterior_variance
    abar_prev = float(torch.prod(1 - sched.betas[:3]))
    assert var[3].item() == pytest.approx((1 - abar_prev) / (1 - abar) * sched.betas[3].item())
    assert var[0].item() == 0.0 and sched.posterior_log_variance[0] == sched.posterior_log_variance[1]


def test_respaced_schedule_keeps_the_cumulative_alphas():
    sched = D.make_schedule("cosine", 100)
    idx = D.spaced_timesteps(100, 10)
    assert idx[0] == 0 and idx[-1] == 99 and len(idx) == 10
    sub = sched.respaced(idx)
    assert torch.allclose(sub.alphas_cumprod, sched.alphas_cumprod[idx])
    assert torch.equal(sub.timesteps, idx)
    assert torch.equal(D.spaced_timesteps(10, 50), torch.arange(10))


def test_normal_kl_and_nll_by_hand():
    m1, l1, m2, l2 = torch.tensor(1.0), torch.tensor(0.0), torch.tensor(0.0), torch.tensor(math.log(4.0))
    assert D.normal_kl(m1, l1, m2, l2).item() == pytest.approx(0.5 * (-1 + math.log(4) + 0.25 + 0.25))
    assert D.normal_kl(m1, l1, m1, l1).item() == 0.0
    assert D.gaussian_nll(torch.tensor(1.0), torch.tensor(0.0), torch.tensor(0.0)).item() == pytest.approx(0.5 * math.log(2 * math.pi) + 0.5)


def test_l_simple_is_the_masked_noise_mse():
    sched = D.make_schedule("cosine", 10)
    x0, noise = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    out = torch.zeros(2, 1, 2, 2)
    out[..., 1] = 3.0  # error 1 on column 0, error 2 on column 1
    mask = torch.tensor([1.0, 0.0]).reshape(1, 1, 1, 2)
    losses = D.training_losses(out, sched, x0, x0, torch.tensor([1, 2]), noise, mask)
    assert losses["mse"].item() == pytest.approx(1.0)
    assert D.training_losses(out, sched, x0, x0, torch.tensor([1, 2]), noise)["mse"].item() == pytest.approx(2.5)


def test_hybrid_loss_trains_only_the_variance_through_l_vlb():
    sched = D.make_schedule("cosine", 20)
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(4, 1, 3, 3, generator=g), torch.randn(4, 1, 3, 3, generator=g)
    idx = torch.tensor([0, 3, 10, 19])
    xt = D.q_sample(sched, x0, idx, noise)
    out = torch.randn(4, 2, 3, 3, generator=g).requires_grad_(True)
    losses = D.training_losses(out, sched, x0, xt, idx, noise, vlb_weight=0.001)
    assert losses["loss"].item() == pytest.approx(losses["mse"].item() + 0.001 * 20 * losses["vlb"].item(), rel=1e-6)
    losses["vlb"].backward()
    assert out.grad[:, :1].abs().max() == 0 and out.grad[:, 1:].abs().max() > 0  # stop-gradient on the mean


def test_vlb_is_zero_for_the_true_posterior_at_t_gt_0():
    sched = D.make_schedule("linear", 100)
    x0, noise = torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2)
    idx = torch.tensor([2, 50, 99])
    xt = D.q_sample(sched, x0, idx, noise)
    v = torch.full_like(x0, -1.0)  # v = 0: log-variance = log beta-tilde, the true posterior's
    out = torch.cat([noise, v], dim=1)  # the exact epsilon: the true posterior mean
    assert D.training_losses(out, sched, x0, xt, idx, noise)["vlb"].item() == pytest.approx(0.0, abs=1e-6)


def _oracle(x0: torch.Tensor, sched: D.Schedule):
    """The exact denoiser of a point mass at ``x0``: eps = (x_t - sqrt(abar) x0) / sqrt(1 - abar)."""
    abar_full = D.make_schedule("cosine", 100).alphas_cumprod

    def fn(x, t):
        a = abar_full[t].float().reshape(-1, 1, 1, 1)
        return (x - a.sqrt() * x0) / (1 - a).sqrt()

    return fn


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_samplers_recover_a_point_mass_from_its_exact_denoiser(sampler):
    full = D.make_schedule("cosine", 100)
    sched = full.respaced(D.spaced_timesteps(100, 25))
    x0 = torch.linspace(-2, 2, 16).reshape(1, 1, 4, 4)
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(3, 1, 4, 4, generator=g)
    if sampler == "ddim":
        out = D.ddim_sample(_oracle(x0, sched), sched, noise, g, eta=0.0)
    else:
        out = D.ddpm_sample(_oracle(x0, sched), sched, noise, g)
    assert torch.allclose(out, x0.expand_as(out), atol=1e-3)


def test_ddim_eta_0_is_deterministic_and_eta_1_is_not():
    sched = D.make_schedule("cosine", 100).respaced(D.spaced_timesteps(100, 10))
    fn = lambda x, t: 0.5 * x  # noqa: E731
    noise = torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    a = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(5))
    b = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(6))
    c = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(5), eta=1.0)
    d = D.ddim_sample(fn, sched, noise, torch.Generator().manual_seed(6), eta=1.0)
    assert torch.equal(a, b) and not torch.equal(c, d)
