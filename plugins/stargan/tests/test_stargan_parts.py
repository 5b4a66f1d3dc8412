"""StarGAN's and LAUN's pieces against hand computation: losses, the gradient penalty, networks, the schedule, rules."""

from __future__ import annotations

import math

import pytest
import torch
from emozoo_stargan.losses import (
    contextual_loss,
    critic_loss,
    cycle_reconstruction_loss,
    domain_classification_loss,
    generator_adversarial_loss,
    gradient_penalty,
    patch_features,
)
from emozoo_stargan.model import default_source_classes, lr_scale
from emozoo_stargan.networks import (
    AttentionGate,
    AttentionUNetGenerator,
    PatchDiscriminator,
    ResNetGenerator,
    label_maps,
)


def test_wgan_terms_are_the_critic_means():
    real, fake = torch.tensor([[1.0, 3.0]]), torch.tensor([[0.5, -0.5], [2.0, 0.0]])
    assert critic_loss(real, fake).item() == pytest.approx(0.5 - 2.0)
    assert generator_adversarial_loss(fake).item() == pytest.approx(-0.5)


def test_domain_classification_is_softmax_cross_entropy():
    logits, labels = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]]), torch.tensor([0, 2])
    lp = lambda row, i: row[i] - math.log(sum(math.exp(v) for v in row))
    expected = -(lp([2.0, 0.0, -1.0], 0) + lp([0.0, 1.0, 0.0], 2)) / 2
    assert domain_classification_loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)


def test_cycle_reconstruction_is_mean_absolute_error():
    x, r = torch.tensor([[1.0, -1.0], [0.5, 0.0]]), torch.tensor([[0.0, -1.0], [0.0, 1.0]])
    assert cycle_reconstruction_loss(x, r).item() == pytest.approx((1 + 0 + 0.5 + 1) / 4)


def test_gradient_penalty_of_a_linear_critic_is_known():
    w = torch.tensor([3.0, 4.0])  # D(x) = <w, x>: |grad| = 5 everywhere, so the penalty is (5 - 1)^2 = 16
    critic = lambda t: (t.flatten(1) * w).sum(1)
    real, fake = torch.randn(4, 1, 1, 2), torch.randn(4, 1, 1, 2)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(16.0, rel=1e-5)
    unit = lambda t: (t.flatten(1) * w / 5).sum(1)
    assert gradient_penalty(unit, real, fake).item() == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_interpolates_with_alpha():
    critic = lambda t: (t**2).sum((1, 2, 3))
    real, fake = torch.ones(1, 1, 1, 1), torch.zeros(1, 1, 1, 1)
    alpha = torch.full((1, 1, 1, 1), 0.25)  # xhat = 0.25: |grad| = 0.5 -> (0.5 - 1)^2
    assert gradient_penalty(critic, real, fake, alpha).item() == pytest.approx(0.25)


def test_contextual_loss_against_a_hand_computed_case():
    x = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    y = torch.tensor([[[1.0, 0.1], [0.2, 1.0]]])
    h, eps = 0.5, 1e-5
    mu = y[0].mean(0)
    xs, ys = [v - mu for v in x[0]], [v - mu for v in y[0]]
    cos = lambda a, b: float(a @ b / (a.norm() * b.norm()))
    d = [[1 - cos(a, b) for b in ys] for a in xs]
    w = [[math.exp((1 - dij / (min(row) + eps)) / h) for dij in row] for row in d]
    cx = [[wij / sum(row) for wij in row] for row in w]
    score = sum(max(cx[i][j] for i in range(2)) for j in range(2)) / 2
    assert contextual_loss(x, y, h, eps).item() == pytest.approx(-math.log(score), rel=1e-5)


def test_contextual_loss_is_zero_for_identical_sets_in_any_order_and_grows_with_difference():
    g = torch.Generator().manual_seed(0)
    y = torch.randn(2, 30, 9, generator=g)
    shuffled = y[:, torch.randperm(30, generator=g)]
    assert contextual_loss(shuffled, y).item() < 1e-3  # CX ignores where a feature is: order does not matter
    assert contextual_loss(y + 0.5 * torch.randn(2, 30, 9, generator=g), y).item() > 0.1


def test_patch_features_are_unfolded_patches():
    x = torch.arange(16.0).view(1, 1, 4, 4)
    f = patch_features(x, 3, 1)
    assert f.shape == (1, 4, 9) and f[0, 0].tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]


def test_label_maps_broadcast_the_target():
    m = label_maps(torch.zeros(2, 1, 3, 3), torch.tensor([2, 0]), 3)
    assert m.shape == (2, 4, 3, 3) and m[0, 3].eq(1).all() and m[0, 1:3].eq(0).all() and m[1, 1].eq(1).all()


@pytest.mark.parametrize("cls", [AttentionUNetGenerator, ResNetGenerator])
def test_generators_keep_the_image_size_and_range(cls):
    gen = cls(1, 8, conv_dim=8, res_blocks=2, downsamplings=2)
    out = gen(torch.rand(3, 1, 48, 48) * 2 - 1, torch.tensor([0, 3, 7]))
    assert out.shape == (3, 1, 48, 48) and out.abs().max() <= 1.0
    assert not torch.allclose(gen(out.detach(), torch.tensor([1, 1, 1])), gen(out.detach(), torch.tensor([5, 5, 5])))  # label used


def test_attention_unet_gates_every_skip_and_resnet_has_none():
    gen = AttentionUNetGenerator(1, 3, conv_dim=4, res_blocks=1, downsamplings=2)
    _, maps = gen(torch.zeros(2, 1, 16, 16), torch.tensor([0, 1]), return_attention=True)
    assert [tuple(m.shape) for m in maps] == [(2, 1, 8, 8), (2, 1, 16, 16)] and all(((m > 0) & (m < 1)).all() for m in maps)
    assert not any(isinstance(m, AttentionGate) for m in ResNetGenerator(1, 3, 4, 1, 2).modules())
    gate = AttentionGate(4, 4, 2)
    x = torch.randn(1, 4, 5, 5)
    assert torch.allclose(gate(x, x), x * gate.attention(x, x))


def test_patch_discriminator_heads():
    disc = PatchDiscriminator(1, 48, 8, conv_dim=8, repeat=4)
    src, cls = disc(torch.zeros(5, 1, 48, 48))
    assert src.shape == (5, 1, 3, 3) and cls.shape == (5, 8)
    assert disc.cls.kernel_size == (3, 3)  # StarGAN: the class head spans the whole final map


def test_lr_is_constant_then_decays_linearly_to_zero():
    assert [lr_scale(s, 10, 4) for s in (0, 5, 6, 7, 8, 9, 10)] == [1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    assert lr_scale(9, 10, 0) == 1.0


def test_default_source_classes_are_the_largest_with_ties_to_the_lower_id():
    assert default_source_classes([251, 9, 207, 20, 5693, 6864, 267, 366], 2) == (4, 5)  # happiness, neutral
    assert default_source_classes([3, 5, 5, 1], 2) == (1, 2)
    assert default_source_classes([3, 5, 5, 1], 1) == (1,)
