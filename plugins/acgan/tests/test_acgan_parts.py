"""ACGAN's objectives against hand computation, and its networks' shapes and initialisation."""

from __future__ import annotations

import math

import pytest
import torch

from emozoo_acgan.losses import class_log_likelihood, discriminator_loss, generator_loss, source_log_likelihood
from emozoo_acgan.networks import Discriminator, Generator, init_weights


def _sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_source_log_likelihood_is_eq2_by_hand():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5])
    want = (math.log(_sig(2.0)) + math.log(_sig(-1.0))) / 2 + math.log(1 - _sig(0.5))
    assert source_log_likelihood(real, fake).item() == pytest.approx(want, abs=1e-6)


def test_class_log_likelihood_is_eq3_by_hand():
    logits, labels = torch.tensor([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]), torch.tensor([1, 0])
    lse = [math.log(math.e + math.e**2 + 1), math.log(2 + math.e**3)]
    want = ((2.0 - lse[0]) + (0.0 - lse[1])) / 2
    assert class_log_likelihood(logits, labels).item() == pytest.approx(want, abs=1e-6)


def test_discriminator_loss_is_minus_ls_plus_lc():
    g = torch.Generator().manual_seed(0)
    rs, fs = torch.randn(5, generator=g), torch.randn(4, generator=g)
    rc, fc = torch.randn(5, 3, generator=g), torch.randn(4, 3, generator=g)
    ry, fy = torch.tensor([0, 1, 2, 1, 0]), torch.tensor([2, 2, 0, 1])
    out = discriminator_loss(rs, rc, ry, fs, fc, fy)
    ls = source_log_likelihood(rs, fs)
    lc = class_log_likelihood(rc, ry) + class_log_likelihood(fc, fy)
    assert out["loss"].item() == pytest.approx(-(ls + lc).item(), abs=1e-6)
    assert out["source"].item() == pytest.approx(-ls.item(), abs=1e-6)
    assert out["classes"].item() == pytest.approx(-lc.item(), abs=1e-6)


def test_generator_objectives():
    fs, fc, fy = torch.tensor([0.3, -2.0]), torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    ce = -class_log_likelihood(fc, fy).item()
    minimax = generator_loss(fs, fc, fy, "minimax")
    # G maximises L_C - L_S: the fake terms give CE(fake) + mean log(1 - D(fake))
    assert minimax["loss"].item() == pytest.approx(ce + (math.log(1 - _sig(0.3)) + math.log(1 - _sig(-2.0))) / 2, abs=1e-6)
    ns = generator_loss(fs, fc, fy)
    assert ns["loss"].item() == pytest.approx(ce - (math.log(_sig(0.3)) + math.log(_sig(-2.0))) / 2, abs=1e-6)
    with pytest.raises(ValueError, match="objective"):
        generator_loss(fs, fc, fy, "wasserstein")


@pytest.mark.parametrize("size", [32, 40, 48, 56, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_networks_shapes(size, channels):
    gen = Generator(4, 8, size, channels, (16, 8, 4))
    disc = Discriminator(4, size, channels, (4, 4, 8, 8, 8, 8))
    with torch.no_grad():
        x = gen(torch.randn(3, 8), torch.tensor([0, 1, 3]))
    assert x.shape == (3, channels, size, size)
    assert float(x.min()) >= -1 and float(x.max()) <= 1  # tanh
    source, classes = disc(x)
    assert source.shape == (3,) and classes.shape == (3, 4)


def test_generator_uses_the_class():
    gen = Generator(3, 8, 32, 1, (16, 8, 4)).eval()
    z = torch.randn(1, 8).repeat(3, 1)
    x = gen(z, torch.tensor([0, 1, 2]))
    assert not torch.equal(x[0], x[1]) and not torch.equal(x[1], x[2])


def test_init_is_isotropic_gaussian_002():
    disc = Discriminator(8, 48, 1)
    init_weights(disc)
    w = torch.cat([m.weight.flatten() for m in disc.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))])
    assert w.std().item() == pytest.approx(0.02, rel=0.05) and abs(w.mean().item()) < 1e-3
    assert all(float(m.bias.detach().abs().max()) == 0 for m in disc.modules() if isinstance(m, torch.nn.Linear))
