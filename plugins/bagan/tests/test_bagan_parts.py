"""BAGAN's pieces against hand computation: class Gaussians, losses, the grid and padding rule, balancing counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from emozoo_bagan.balancing import balancing_conditions, balancing_counts, class_counts
from emozoo_bagan.latent import class_gaussians, sample_latent
from emozoo_bagan.losses import discriminator_loss, generator_loss, reconstruction_loss
from emozoo_bagan.networks import Discriminator, Encoder, Generator, latent_grid

from emozoo.errors import EmptyInputError, LabelError


def test_class_gaussians_are_each_class_mean_and_numpy_covariance():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(60, 3, generator=g) * torch.tensor([1.0, 2.0, 0.5]) + torch.arange(60)[:, None] % 2 * 5.0
    labels = torch.arange(60) % 2
    means, chols = class_gaussians(codes, labels, 2, jitter=0.0)
    for c in range(2):
        rows = codes[labels == c].double().numpy()
        np.testing.assert_allclose(means[c].numpy(), rows.mean(0), rtol=1e-5, atol=1e-5)
        cov = chols[c].double() @ chols[c].double().T
        np.testing.assert_allclose(cov.numpy(), np.cov(rows.T), rtol=1e-4, atol=1e-5)


def test_singular_and_single_sample_classes_still_factorise():
    codes = torch.randn(5, 8)  # 4 rows of class 0 in 8 dimensions: singular covariance; class 1 has one row
    means, chols = class_gaussians(codes, torch.tensor([0, 0, 0, 0, 1]), 2, jitter=1e-4)
    assert torch.isfinite(chols).all() and torch.equal(means[1], codes[4])


def test_sample_latent_draws_from_the_class_gaussian():
    means = torch.tensor([[0.0, 0.0], [10.0, -5.0]])
    cov = torch.tensor([[4.0, 1.2], [1.2, 1.0]])
    chols = torch.stack([torch.eye(2), torch.linalg.cholesky(cov)])
    z = sample_latent(means, chols, torch.ones(20000, dtype=torch.long), torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), means[1], atol=0.05)
    assert torch.allclose(torch.cov(z.T), cov, atol=0.1)
    again = sample_latent(means, chols, torch.ones(20000, dtype=torch.long), torch.Generator().manual_seed(0))
    assert torch.equal(z, again)


def test_discriminator_loss_labels_real_by_class_and_generated_as_fake():
    real = torch.tensor([[2.0, 0.0, 0.0, -1.0], [0.0, 1.0, 3.0, 0.0]])  # K = 3 classes + fake (index 3)
    fake = torch.tensor([[0.0, 0.0, 0.0, 4.0]])
    labels = torch.tensor([0, 2])
    logp = lambda row, i: row[i] - math.log(sum(math.exp(v) for v in row.tolist()))  # noqa: E731
    expected = -(logp(real[0], 0) + logp(real[1], 2) + logp(fake[0], 3)) / 3
    assert discriminator_loss(real, labels, fake).item() == pytest.approx(float(expected), rel=1e-6)


def test_generator_loss_pushes_fakes_towards_their_condition_not_towards_real():
    fake = torch.tensor([[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 5.0, 0.0]])
    conditions = torch.tensor([0, 2])
    logp0 = 1.0 - math.log(math.e + 2 + math.e**2)
    logp2 = 5.0 - math.log(3 + math.e**5)
    assert generator_loss(fake, conditions).item() == pytest.approx(-(logp0 + logp2) / 2, rel=1e-6)


def test_reconstruction_loss_is_mean_squared_error():
    a, b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 0.0], [0.0, 4.0]])
    assert reconstruction_loss(a, b).item() == pytest.approx((4 + 9) / 4)


@pytest.mark.parametrize(("shape", "grid"), [((128, 64), (4, 128, 64)), ((100, 40), (4, 112, 48)), ((16, 16), (2, 16, 16)),
                                            ((128, 128), (4, 128, 128)), ((20, 17), (2, 20, 20)), ((300, 64), (6, 320, 64))])
def test_latent_grid_halves_until_the_map_is_at_most_8(shape, grid):
    assert latent_grid(*shape) == grid
    n, t, d = grid
    assert t % 2**n == 0 and d % 2**n == 0 and math.ceil(max(t, d) / 2**n) <= 8 and t >= shape[0] and d >= shape[1]


def test_networks_map_between_padded_spectrograms_and_codes():
    grid = latent_grid(128, 64)
    enc = Encoder(grid, (32, 64, 128, 256), 0.3, 0.3)
    assert enc.out_features == 256 * 8 * 4 and len([m for m in enc.modules() if isinstance(m, torch.nn.Conv2d)]) == 8
    disc = Discriminator(enc, 4)
    gen = Generator(grid, 100, 1024, 128, (256, 128), 5, 3.0)
    out = gen(torch.randn(2, 100))
    assert out.shape == (2, 1, 128, 64) and out.abs().max() < 3.0
    assert disc(out).shape == (2, 5)
    convs = [m for m in gen.convs if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in convs] == [256, 256, 256, 128, 1]  # BAGAN: 256 ... 256, 128 at the last upsampling
    assert all(m.bias is None for m in [*convs, *[m for m in gen.dense if isinstance(m, torch.nn.Linear)]])


def test_balancing_counts_bring_every_class_to_the_majority():
    labels = [0] * 10 + [1] * 4 + [2] * 7
    assert class_counts(labels, 4) == [10, 4, 7, 0]
    assert balancing_counts(labels) == [0, 6, 3]
    assert balancing_counts(torch.tensor(labels), 4) == [0, 6, 3, 10]
    conditions = balancing_conditions(labels)
    assert conditions == [1] * 6 + [2] * 3
    assert class_counts(labels + conditions) == [10, 10, 10]
    assert balancing_conditions([1, 0, 1, 0]) == []


def test_balancing_refuses_bad_labels():
    with pytest.raises(EmptyInputError):
        balancing_counts([])
    with pytest.raises(LabelError):
        balancing_counts([0, -1])
    with pytest.raises(LabelError):
        balancing_counts([0, 5], num_classes=3)
