"""The latent-space augmentation: class covariances, the head-to-tail transfer, the sampler."""

from __future__ import annotations

import pytest
import torch
from emozoo_semantic_aug.augment import (
    bank_indices,
    class_covariances,
    semantic_latents,
    transferred_covariances,
)
from emozoo_semantic_aug.balancing import balancing_conditions, balancing_counts

from emozoo.errors import ConfigError, LabelError


def test_class_covariances_are_the_maximum_likelihood_within_class_covariances():
    codes = torch.tensor([[0.0, 0.0], [2.0, 0.0], [1.0, 1.0], [1.0, 3.0], [5.0, 5.0]])
    labels = torch.tensor([0, 0, 1, 1, 2])
    counts, covs = class_covariances(codes, labels, 3)
    assert counts.tolist() == [2, 2, 1]
    assert torch.allclose(covs[0], torch.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=torch.float64))
    assert torch.allclose(covs[1], torch.tensor([[0.0, 0.0], [0.0, 1.0]], dtype=torch.float64))
    assert torch.equal(covs[2], torch.zeros(2, 2, dtype=torch.float64))  # one image: no covariance of its own


def test_transferred_covariance_mixes_own_and_head_covariance_by_count():
    covs = torch.stack([torch.diag(torch.tensor(v, dtype=torch.float64)) for v in ([4.0, 1.0], [2.0, 3.0], [0.1, 0.1])])
    counts = torch.tensor([30, 10, 3])
    chols = transferred_covariances(counts, covs, head_min_count=10, shrinkage=6.0, jitter=1e-6)
    head = (30 * covs[0] + 10 * covs[1]) / 40  # pooled over the two head classes: diag(3.5, 1.5)
    ridge = 1e-6 * 2.5 * torch.eye(2, dtype=torch.float64)
    for k in range(3):
        expected = (counts[k] * covs[k] + 6.0 * head) / (counts[k] + 6.0) + ridge
        assert torch.allclose((chols[k] @ chols[k].T).double(), expected, atol=1e-5)
    # the 3-image tail class ends up with 2/3 of the head variance, far above its own 0.1
    assert float((chols[2] @ chols[2].T)[0, 0]) == pytest.approx((3 * 0.1 + 6 * 3.5) / 9, rel=1e-4)


def test_transfer_falls_back_to_every_class_without_a_head_and_refuses_single_images():
    covs = torch.stack([torch.eye(2, dtype=torch.float64), 3 * torch.eye(2, dtype=torch.float64)])
    chols = transferred_covariances(torch.tensor([2, 2]), covs, head_min_count=50, shrinkage=0.0, jitter=1e-6)
    assert torch.allclose(chols[1] @ chols[1].T, 3 * torch.eye(2), atol=1e-4)
    with pytest.raises(LabelError, match="at least 2"):
        transferred_covariances(torch.tensor([1, 1]), torch.zeros(2, 2, 2, dtype=torch.float64), head_min_count=2, shrinkage=1.0, jitter=1e-6)


def test_sampler_reduces_to_the_source_codes_without_randomness_and_is_seeded():
    bank_mu = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    bank_logvar = torch.zeros(2, 3, 2)
    count = torch.tensor([3, 2])
    chols = torch.eye(2).repeat(2, 1, 1)
    labels = torch.tensor([0, 1, 1, 0, 1] * 20)
    z, rows = semantic_latents(labels, bank_mu, bank_logvar, count, chols, posterior_scale=0.0, strength=0.0,
                               generator=torch.Generator().manual_seed(0))
    assert torch.equal(z, bank_mu[labels, rows])
    assert int(rows[labels == 1].max()) <= 1 and set(rows[labels == 0].tolist()) == {0, 1, 2}  # only filled rows
    again, _ = semantic_latents(labels, bank_mu, bank_logvar, count, chols, posterior_scale=1.0, strength=0.5,
                                generator=torch.Generator().manual_seed(3))
    twice, _ = semantic_latents(labels, bank_mu, bank_logvar, count, chols, posterior_scale=1.0, strength=0.5,
                                generator=torch.Generator().manual_seed(3))
    assert torch.equal(again, twice) and not torch.equal(again, z)


def test_sampler_variance_is_posterior_plus_strength_times_transferred_covariance():
    bank_mu = torch.zeros(1, 1, 2)
    bank_logvar = torch.log(torch.tensor([[[0.25, 1.0]]]))
    chols = torch.linalg.cholesky(torch.tensor([[[4.0, 0.0], [0.0, 1.0]]]))
    z, _ = semantic_latents(torch.zeros(100_000, dtype=torch.long), bank_mu, bank_logvar, torch.tensor([1]), chols,
                            posterior_scale=2.0, strength=0.5, generator=torch.Generator().manual_seed(0))
    # var = posterior_scale^2 sigma^2 + strength * Sigma: (4 * 0.25 + 2, 4 * 1 + 0.5)
    assert z.var(0).tolist() == pytest.approx([3.0, 4.5], rel=0.03)


def test_bank_holds_a_seeded_subset_of_each_class():
    labels = torch.tensor([0] * 10 + [1] * 3)
    rows = bank_indices(labels, 2, 4, torch.Generator().manual_seed(0))
    assert len(rows[0]) == 4 and set(rows[0].tolist()) <= set(range(10)) and sorted(rows[1].tolist()) == [10, 11, 12]
    assert all(torch.equal(a, b) for a, b in zip(rows, bank_indices(labels, 2, 4, torch.Generator().manual_seed(0))))


def test_balancing_counts_lift_every_class_to_the_target():
    labels = [0] * 10 + [1] * 4 + [2]
    assert balancing_counts(labels, 3) == [0, 6, 9]
    assert balancing_counts(labels, 3, balance_to=0.5) == [0, 1, 4]
    assert balancing_conditions(labels, 3, balance_to=0.5) == [1, 2, 2, 2, 2]
    with pytest.raises(ConfigError):
        balancing_counts(labels, 3, balance_to=1.5)
