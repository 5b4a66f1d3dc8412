"""The patching, the losses by hand and the networks' shapes."""

from __future__ import annotations

import math

import pytest
import torch
from emozoo_biosignal_gan.losses import discriminator_loss, generator_loss
from emozoo_biosignal_gan.networks import (
    Classifier1D,
    Discriminator,
    Generator,
    from_steps,
    to_steps,
)


def test_to_steps_layout_by_hand_and_round_trip():
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 8)  # [N=2, C=3, T=8]
    s = to_steps(x, 4)
    assert s.shape == (2, 2, 12)
    # step 1 of window 0 holds samples 4..7 of channel 0, then of channel 1, then of channel 2
    assert s[0, 1].tolist() == [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23]
    assert torch.equal(from_steps(s, 3, 4), x)
    assert torch.equal(to_steps(x, 1).transpose(1, 2), x)  # patch 1: the paper's sample-by-sample sequence


def test_gan_losses_by_hand():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0])
    sp = lambda v: math.log1p(math.exp(v))  # softplus: -log sigmoid(-v)
    expected_d = (sp(-0.0) + sp(-2.0)) / 2 + sp(-1.0)
    assert discriminator_loss(real, fake).item() == pytest.approx(expected_d, rel=1e-6)
    assert generator_loss(fake).item() == pytest.approx(sp(1.0), rel=1e-6)  # -log sigmoid(-1)


def test_generator_holds_the_sequence_noise_and_bounds_its_output():
    torch.manual_seed(0)
    gen = Generator(noise_dim=6, hidden=8, layers=2, step_dim=10, sequence_noise=4, output_range=2.0)
    noise = torch.randn(3, 5, 6)
    torch.set_grad_enabled(False)
    try:
        _check_noise_use(gen, noise)
    finally:
        torch.set_grad_enabled(True)


def _check_noise_use(gen, noise):
    out = gen(noise)
    assert out.shape == (3, 5, 10) and float(out.abs().max()) <= 2.0
    edited = noise.clone()
    edited[:, 1:, :4] = 99.0  # the per-window part is read from step 0 only
    assert torch.equal(gen(edited), out)
    edited[:, 2, 4:] += 1.0  # the per-step part matters from its step on, not before
    changed = gen(edited)
    assert torch.equal(changed[:, :2], out[:, :2]) and not torch.equal(changed[:, 2:], out[:, 2:])


def test_discriminator_and_classifier_shapes():
    torch.manual_seed(0)
    disc = Discriminator(step_dim=10, hidden=8, layers=1)
    assert disc(torch.randn(4, 7, 10)).shape == (4,)
    clf = Classifier1D((3, 64), 2, channels=(4, 8))
    assert clf(torch.randn(5, 3, 64)).shape == (5, 2)
