"""The VAE-GAN's objectives against hand computation on tiny cases."""

from __future__ import annotations

import math

import pytest
import torch
from emozoo_semantic_aug.losses import (
    discriminator_hinge_loss,
    generator_hinge_loss,
    kl_divergence,
    reconstruction_loss,
    reparameterize,
)


def test_kl_divergence_matches_the_closed_form_by_hand():
    mu = torch.tensor([[1.0, 0.0], [0.5, -2.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)], [math.log(0.25), 0.0]])
    # row 1: 1/2 [(1 + 1 - 1 - 0) + (0 + 4 - 1 - ln 4)] = 1/2 (1 + 3 - ln 4)
    # row 2: 1/2 [(0.25 + 0.25 - 1 - ln 0.25) + (4 + 1 - 1 - 0)] = 1/2 (-0.5 + ln 4 + 4)
    row1 = 0.5 * (1.0 + 3.0 - math.log(4.0))
    row2 = 0.5 * (-0.5 + math.log(4.0) + 4.0)
    assert kl_divergence(mu, logvar).item() == pytest.approx((row1 + row2) / 2, rel=1e-6)


def test_kl_divergence_is_zero_at_the_prior_and_matches_monte_carlo():
    assert kl_divergence(torch.zeros(3, 5), torch.zeros(3, 5)).item() == pytest.approx(0.0, abs=1e-7)
    mu, logvar = torch.tensor([[0.7, -0.3]]), torch.tensor([[-0.5, 0.4]])
    g = torch.Generator().manual_seed(0)
    z = reparameterize(mu, logvar, torch.randn(200_000, 2, generator=g))
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    mc = (q.log_prob(z) - p.log_prob(z)).sum(1).mean().item()
    assert kl_divergence(mu, logvar).item() == pytest.approx(mc, abs=5e-3)


def test_reconstruction_loss_is_the_gaussian_negative_log_likelihood_without_its_constant():
    x = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]], [[[1.0, 1.0], [0.0, 0.0]]]])
    x_hat = torch.tensor([[[[0.1, 0.9], [0.5, 0.3]]], [[[1.0, 0.5], [0.0, 0.0]]]])
    # squared errors: image 1: 0.01 + 0.01 + 0 + 0.04 = 0.06; image 2: 0.25 -> mean 0.155; / (2 * 0.1^2) = 7.75
    assert reconstruction_loss(x_hat, x, 0.1).item() == pytest.approx(7.75, rel=1e-5)
    normal = torch.distributions.Normal(x_hat, 0.1)
    constant = 4 * 0.5 * math.log(2 * math.pi * 0.01)
    nll = -normal.log_prob(x).flatten(1).sum(1).mean().item()
    assert reconstruction_loss(x_hat, x, 0.1).item() == pytest.approx(nll - constant, rel=1e-5)


def test_elbo_of_a_tiny_case_by_hand():
    """-ELBO = reconstruction + KL for a 1-pixel image, a 1-d code and a fixed noise draw."""
    mu, logvar, eps = torch.tensor([[0.5]]), torch.tensor([[math.log(0.25)]]), torch.tensor([[2.0]])
    z = reparameterize(mu, logvar, eps)
    assert z.item() == pytest.approx(0.5 + 0.5 * 2.0)
    x_hat = torch.sigmoid(z).view(1, 1, 1, 1)  # a "decoder"
    x = torch.tensor([[[[0.5]]]])
    by_hand = (1 / (1 + math.exp(-1.5)) - 0.5) ** 2 / (2 * 0.2**2) + 0.5 * (0.25 + 0.25 - 1 - math.log(0.25))
    total = reconstruction_loss(x_hat, x, 0.2) + kl_divergence(mu, logvar)
    assert total.item() == pytest.approx(by_hand, rel=1e-6)


def test_hinge_losses_by_hand():
    real = torch.tensor([2.0, 0.5, -1.0])  # relu(1 - D): 0, 0.5, 2 -> 2.5 / 3
    rec = torch.tensor([-2.0, 0.0])  # relu(1 + D): 0, 1 -> 0.5
    prior = torch.tensor([1.0])  # relu(1 + D): 2
    assert discriminator_hinge_loss(real, rec, prior).item() == pytest.approx(2.5 / 3 + (0.5 + 2.0) / 2, rel=1e-6)
    assert generator_hinge_loss(rec, prior).item() == pytest.approx(-(-1.0 + 1.0) / 2, abs=1e-7)
    assert generator_hinge_loss(torch.tensor([3.0, 1.0])).item() == pytest.approx(-2.0)
