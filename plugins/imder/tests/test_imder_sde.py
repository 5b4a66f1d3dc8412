"""VE-SDE formulas, the score-matching loss on hand-computed inputs, and the samplers."""

import math

import pytest
import torch
from emozoo_imder.sde import diffusion_coeff, marginal_std, sample, score_matching_loss


def test_marginal_std_matches_the_closed_form():
    t = torch.tensor([0.0, 0.5, 1.0])
    got = marginal_std(t, 25.0)
    want = [0.0, math.sqrt((25.0 - 1) / (2 * math.log(25.0))), math.sqrt((625.0 - 1) / (2 * math.log(25.0)))]
    assert got.tolist() == pytest.approx(want, rel=1e-6)
    assert float(marginal_std(torch.tensor([1.0]), 25.0)) == pytest.approx(9.8454, abs=1e-3)


def test_marginal_std_is_the_integral_of_g_squared():
    # std(t)^2 = int_0^t sigma^(2s) ds for the VE SDE dx = sigma^t dw
    t = 0.7
    s = torch.linspace(0, t, 20001, dtype=torch.float64)
    integral = torch.trapezoid(diffusion_coeff(s, 25.0) ** 2, s)
    assert float(marginal_std(torch.tensor(t, dtype=torch.float64), 25.0) ** 2) == pytest.approx(float(integral), rel=1e-6)


def test_diffusion_coeff():
    assert diffusion_coeff(torch.tensor([0.0, 0.5, 1.0]), 25.0).tolist() == pytest.approx([1.0, 5.0, 25.0])


def test_score_matching_loss_hand_computed():
    # score_fn returns a constant c; loss per sample = sum (c * std + z)^2
    sigma = 25.0
    t = torch.tensor([0.5, 1.0])
    std = marginal_std(t, sigma)
    x = torch.zeros(2, 1, 2)
    z = torch.tensor([[[1.0, -1.0]], [[0.5, 2.0]]])
    cond = torch.zeros(2, 1, 2)
    loss = score_matching_loss(lambda xt, tt, c: torch.full_like(xt, 0.5), x, cond, t, z, sigma, "none")
    want = [(0.5 * float(std[0]) + 1.0) ** 2 + (0.5 * float(std[0]) - 1.0) ** 2, (0.5 * float(std[1]) + 0.5) ** 2 + (0.5 * float(std[1]) + 2.0) ** 2]
    assert loss.tolist() == pytest.approx(want, rel=1e-6)


def test_exact_score_of_a_point_mass_gives_zero_loss():
    # data x0 = 0: true score of N(0, std^2) at x_t is -x_t / std^2, so (s * std + z) = 0
    sigma, t = 25.0, torch.tensor([0.3, 0.9])
    z = torch.randn(2, 3, 4)
    loss = score_matching_loss(
        lambda xt, tt, c: -xt / marginal_std(tt, sigma)[:, None, None] ** 2, torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), t, z, sigma, "none"
    )
    assert loss.abs().max().item() < 1e-8


def test_shared_condition_noise_uses_the_same_z():
    seen = {}

    def score(xt, tt, c):
        seen["c"] = c
        return torch.zeros_like(xt)

    t, z = torch.tensor([1.0]), torch.ones(1, 1, 2)
    score_matching_loss(score, torch.zeros(1, 1, 2), torch.zeros(1, 1, 2), t, z, 25.0, "shared")
    assert torch.allclose(seen["c"], z * marginal_std(t, 25.0))
    with pytest.raises(ValueError, match="condition_noise"):
        score_matching_loss(score, torch.zeros(1, 1, 2), torch.zeros(1, 1, 2), t, z, 25.0, "bogus")


def test_pf_ode_recovers_a_point_mass_and_repeats():
    # with the exact score of data = condition (a point mass) the probability-flow ODE lands on the condition
    sigma = 5.0
    cond = torch.randn(3, 2, 5)

    def score(xt, tt, c):
        return -(xt - cond) / marginal_std(tt, sigma)[:, None, None] ** 2

    a = sample(score, cond, sigma, 200, "pf_ode", condition_noise="none", generator=torch.Generator().manual_seed(1))
    b = sample(score, cond, sigma, 200, "pf_ode", condition_noise="none", generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert (a - cond).abs().max().item() < 0.05


def test_euler_maruyama_step_hand_computed():
    # one official EM step from t = 1 with step 1 - eps: x1 = x0 + g(1)^2 * s(x0) * (1 - eps), returned without noise
    sigma, eps = 25.0, 1e-3
    cond = torch.zeros(2, 1, 3)
    x0 = torch.randn(cond.shape, generator=torch.Generator().manual_seed(7)) * marginal_std(torch.tensor(1.0), sigma)
    out = sample(lambda x, t, c: -0.01 * x, cond, sigma, 1, "euler_maruyama", eps, "none", torch.Generator().manual_seed(7))
    assert torch.allclose(out, x0 + 625.0 * (-0.01 * x0) * (1 - eps), rtol=1e-5)


def test_sampler_rejects_bad_arguments():
    cond = torch.zeros(1, 1, 2)
    with pytest.raises(ValueError, match="sampler"):
        sample(lambda x, t, c: x, cond, 25.0, 2, "ddim")
    with pytest.raises(ValueError, match="steps"):
        sample(lambda x, t, c: x, cond, 25.0, 0)
