"""D2GAN loss terms against hand-computed values, and the VAE terms against closed forms."""

from __future__ import annotations

import math

import pytest
import torch
from emozoo_vae_d2gan import losses


def sp(v: float) -> float:
    """softplus by hand."""
    return math.log1p(math.exp(v))


REAL = [0.0, 1.0, -2.0]
FAKE = [-1.0, 2.0, 0.5]


def test_log_softplus_matches_closed_form_and_stays_finite():
    logits = torch.tensor([-3.0, 0.0, 2.5, 10.0])
    expected = torch.tensor([math.log(sp(v)) for v in logits.tolist()])
    torch.testing.assert_close(losses.log_softplus(logits), expected)
    far = torch.tensor([-200.0, -1000.0])
    out = losses.log_softplus(far)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, far)  # log softplus(l) -> l as l -> -inf
    assert math.isinf(torch.log(torch.nn.functional.softplus(torch.tensor(-200.0))).item())  # what the naive form gives


def test_d1_loss_hand_computed():
    alpha = 0.2
    want = -alpha * sum(math.log(sp(v)) for v in REAL) / 3 + sum(sp(v) for v in FAKE) / 3
    got = losses.d1_loss(torch.tensor(REAL), torch.tensor(FAKE), alpha)
    assert got.item() == pytest.approx(want, rel=1e-6)
    # by hand: softplus(REAL) = 0.693147, 1.313262, 0.126928 -> mean log = -0.719387;
    # softplus(FAKE) = 0.313262, 2.126928, 0.974077 -> mean = 1.138089; -0.2 * -0.719387 + 1.138089
    assert got.item() == pytest.approx(1.281966, rel=1e-5)


def test_d2_loss_hand_computed():
    beta = 0.1
    want = sum(sp(v) for v in REAL) / 3 - beta * sum(math.log(sp(v)) for v in FAKE) / 3
    got = losses.d2_loss(torch.tensor(REAL), torch.tensor(FAKE), beta)
    assert got.item() == pytest.approx(want, rel=1e-6)
    # by hand: mean softplus(REAL) = 0.711112; mean log softplus(FAKE) = -0.144082; 0.711112 + 0.1 * 0.144082
    assert got.item() == pytest.approx(0.725521, rel=1e-5)


def test_generator_loss_hand_computed():
    beta = 0.1
    d1_fake, d2_fake = [0.3, -0.7], [1.5, -4.0]
    want = -(sp(0.3) + sp(-0.7)) / 2 + beta * (math.log(sp(1.5)) + math.log(sp(-4.0))) / 2
    got = losses.generator_loss(torch.tensor(d1_fake), torch.tensor(d2_fake), beta)
    assert got.item() == pytest.approx(want, rel=1e-6)


def test_objective_is_minus_discriminator_losses_and_generator_part():
    g = torch.Generator().manual_seed(0)
    d1r, d1f, d2r, d2f = (torch.randn(16, generator=g) for _ in range(4))
    alpha, beta = 0.3, 0.05
    j = losses.d2gan_objective(d1r, d1f, d2r, d2f, alpha, beta)
    torch.testing.assert_close(j, -(losses.d1_loss(d1r, d1f, alpha) + losses.d2_loss(d2r, d2f, beta)))
    g_terms = j - alpha * losses.log_softplus(d1r).mean() + torch.nn.functional.softplus(d2r).mean()
    torch.testing.assert_close(g_terms, losses.generator_loss(d1f, d2f, beta))


def test_optimal_discriminators_match_d2gan_theory():
    """At a point where data and generator densities are equal, D1* = alpha and D2* = beta (Nguyen et al. 2017, Prop. 1)."""
    alpha, beta = 0.2, 0.1
    logits = torch.linspace(-8, 8, 40001)
    d1 = torch.stack([losses.d1_loss(l.view(1), l.view(1), alpha) for l in logits[::50]])
    best1 = torch.nn.functional.softplus(logits[::50][d1.argmin()])
    assert best1.item() == pytest.approx(alpha, abs=0.01)
    d2 = torch.stack([losses.d2_loss(l.view(1), l.view(1), beta) for l in logits[::50]])
    best2 = torch.nn.functional.softplus(logits[::50][d2.argmin()])
    assert best2.item() == pytest.approx(beta, abs=0.01)


def test_kl_closed_form_values():
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)]])
    want = 0.5 * (1.0 + 1.0 - 1.0 - 0.0) + 0.5 * (0.0 + 4.0 - 1.0 - math.log(4.0))
    assert losses.kl_standard_normal(mu, logvar).item() == pytest.approx(want, rel=1e-6)
    assert losses.kl_standard_normal(torch.zeros(5, 3), torch.zeros(5, 3)).item() == 0.0


def test_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(8, 6, generator=g), torch.randn(8, 6, generator=g)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    want = torch.distributions.kl_divergence(q, p).sum(1).mean()
    torch.testing.assert_close(losses.kl_standard_normal(mu, logvar), want)


def test_reconstruction_ignores_empty_cells():
    mask = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    target = torch.zeros(2, 1, 2, 2)
    recon = torch.tensor([[[[1.0, 100.0], [100.0, 2.0]]], [[[0.0, -50.0], [7.0, 3.0]]]])
    # sample 0: 0.5 * (1 + 4); sample 1: 0.5 * (0 + 9); batch mean
    assert losses.reconstruction_loss(recon, target, mask).item() == pytest.approx((2.5 + 4.5) / 2)
