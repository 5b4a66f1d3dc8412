"""WGAN-GP losses against hand-computed values, and the networks' shapes."""

from __future__ import annotations

import pytest
import torch
from emozoo_cwgan.losses import critic_loss, generator_loss, gradient_penalty, interpolate, wasserstein_estimate
from emozoo_cwgan.networks import Critic, Generator


def test_critic_and_generator_losses_by_hand():
    real = torch.tensor([1.0, 2.0, 3.0])
    fake = torch.tensor([1.0, 2.0])
    assert critic_loss(real, fake).item() == pytest.approx(1.5 - 2.0)
    assert wasserstein_estimate(real, fake).item() == pytest.approx(0.5)
    assert generator_loss(fake).item() == pytest.approx(-1.5)


def test_interpolate_per_sample():
    real = torch.tensor([[2.0, 4.0], [10.0, 0.0]])
    fake = torch.zeros(2, 2)
    out = interpolate(real, fake, torch.tensor([0.5, 0.1]))
    assert torch.allclose(out, torch.tensor([[1.0, 2.0], [1.0, 0.0]]))


def test_gradient_penalty_linear_critic_closed_form():
    """D(x, y) = w.x + b_y has gradient w everywhere, so GP = (||w|| - 1)^2 for any alpha; dGP/dw = 2(||w||-1) w/||w||."""
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    b = torch.tensor([0.3, -2.0])

    def critic(x, y):
        return x @ w + b[y]

    real, fake = torch.randn(5, 2), torch.randn(5, 2)
    labels = torch.tensor([0, 1, 0, 1, 1])
    gp = gradient_penalty(critic, real, fake, labels)
    assert gp.item() == pytest.approx(16.0)
    gp.backward()
    assert torch.allclose(w.grad, torch.tensor([4.8, 6.4]))


def test_gradient_penalty_quadratic_critic_by_hand():
    """D(x) = ||x||^2 / 2 has gradient x: norms at the interpolates [2, 0] and [0, 3] are 2 and 3 -> mean(1, 4) = 2.5."""
    real = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    fake = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    gp = gradient_penalty(lambda x, y: 0.5 * x.square().sum(1), real, fake, torch.zeros(2, dtype=torch.long), alpha=torch.tensor([0.5, 0.75]))
    assert gp.item() == pytest.approx(2.5)


def test_gradient_penalty_uses_the_condition():
    """D(x, y) = s_y * sum(x) on 4 features: gradient norm 2|s_y|, so GP = mean((2|s_y| - 1)^2) = ((1)^2 + (3)^2)/2 = 5."""
    scale = torch.tensor([1.0, -2.0])
    gp = gradient_penalty(lambda x, y: scale[y] * x.sum(1), torch.randn(2, 4), torch.randn(2, 4), torch.tensor([0, 1]))
    assert gp.item() == pytest.approx(5.0)


def test_network_shapes_and_conditioning():
    torch.manual_seed(0)
    gen, critic = Generator(16, 3, 310, (32,)), Critic(310, 3, (32,))
    z, y = torch.randn(7, 16), torch.tensor([0, 1, 2, 0, 1, 2, 0])
    x = gen(z, y)
    assert x.shape == (7, 310)
    assert critic(x, y).shape == (7,)
    assert not torch.allclose(gen(z, torch.zeros(7, dtype=torch.long)), gen(z, torch.ones(7, dtype=torch.long)))
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in critic.modules())
