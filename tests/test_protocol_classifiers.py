"""Downstream classifiers of the augmentation protocol: shapes, learning, the SVM objective, determinism, errors."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_model, save_model

from emozoo.errors import ConfigError, LabelError, ShapeError
from emozoo.evaluation.classifiers import (
    LinearSVM,
    build_classifier,
    fit_classifier,
    predict_logits,
)

SHAPES = {"mlp": (62, 5), "cnn": (5, 9, 9), "svm": (310,), "pooled_cnn": (32, 16)}



def _separable(shape: tuple[int, ...], n_per_class: int = 20, k: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three well-separated Gaussian clusters in ``shape``-shaped inputs."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(k, *shape, generator=g) * 3.0
    y = torch.arange(k).repeat_interleave(n_per_class)
    x = centres[y] + 0.3 * torch.randn(len(y), *shape, generator=g)
    return x, y


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_logits_shape(kind: str) -> None:
    model = build_classifier(kind, SHAPES[kind], 4, seed=0)
    assert predict_logits(model, torch.randn(7, *SHAPES[kind]), batch_size=3).shape == (7, 4)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_each_classifier_fits_a_separable_set(kind: str) -> None:
    x, y = _separable(SHAPES[kind])
    model = build_classifier(kind, SHAPES[kind], 3, seed=0)
    history = fit_classifier(model, x, y, epochs=15, lr=3e-3, batch_size=16, seed=0)
    losses = history.series("loss")
    assert losses[-1] < losses[0]
    assert bool((predict_logits(model, x).argmax(1) == y).all())


def test_svm_hinge_matches_hand_computation() -> None:
    svm = build_classifier("svm", (2,), 3)
    scores = torch.tensor([[2.0, -0.5, 0.3], [0.5, 0.2, 0.1]])
    targets = torch.tensor([0, 1])
    # one-vs-rest squared hinge: sample 0 -> 0 + 0.5^2 + 1.3^2 = 1.94; sample 1 -> 1.5^2 + 0.8^2 + 1.1^2 = 4.1
    assert svm.hinge(scores, targets).item() == pytest.approx((1.94 + 4.1) / 2)
    cs = build_classifier("svm", (2,), 3, multiclass="crammer_singer")
    # Crammer-Singer: max(0, 1 + 0.3 - 2) = 0; max(0, 1 + 0.5 - 0.2)^2 = 1.69
    assert cs.hinge(scores, targets).item() == pytest.approx(1.69 / 2)
    plain = build_classifier("svm", (2,), 3, loss="hinge")
    assert plain.hinge(scores, targets).item() == pytest.approx((1.8 + 3.4) / 2)


def test_svm_objective_adds_the_scaled_l2_term() -> None:
    svm = build_classifier("svm", (2,), 3, C=0.5)
    with torch.no_grad():
        svm.linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))  # ||W||^2 = 7
        svm.linear.bias.fill_(5.0)  # not regularised
    scores = torch.tensor([[2.0, -0.5, 0.3], [0.5, 0.2, 0.1]])
    value = svm.objective(scores, torch.tensor([0, 1]), n_train=10).item()
    assert value == pytest.approx(3.02 + 7.0 / (2 * 0.5 * 10))


def test_training_is_deterministic_under_a_seed() -> None:
    x, y = _separable((10,), n_per_class=8)

    def run(seed: int) -> dict[str, torch.Tensor]:
        model = build_classifier("mlp", (10,), 3, seed=seed)
        fit_classifier(model, x, y, epochs=3, lr=1e-2, batch_size=5, seed=seed)
        return model.state_dict()

    a, b, c = run(0), run(0), run(1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_standardisation_is_saved_with_safetensors(tmp_path) -> None:
    x, y = _separable((4,), n_per_class=5)
    x = x * 10 + 100
    model = build_classifier("svm", (4,), 3, seed=0)
    fit_classifier(model, x, y, epochs=2, lr=1e-2, batch_size=4)
    assert torch.allclose(model.norm.mean, x.mean(0))
    save_model(model, str(tmp_path / "m.safetensors"))
    other = build_classifier("svm", (4,), 3, seed=1)
    missing, unexpected = load_model(other, str(tmp_path / "m.safetensors"))
    assert not missing and not unexpected
    assert torch.equal(predict_logits(other, x), predict_logits(model, x))


def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'svm'"):
        build_classifier("svn", (4,), 3)


def test_bad_options_and_shapes_raise_typed_errors() -> None:
    with pytest.raises(ConfigError, match="bad option"):
        build_classifier("mlp", (4,), 3, widths=(3,))
    with pytest.raises(ShapeError, match="bands, height, width"):
        build_classifier("cnn", (62, 5), 3)
    with pytest.raises(ConfigError, match="num_classes"):
        build_classifier("mlp", (4,), 1)
    with pytest.raises(ConfigError, match="C must be"):
        LinearSVM((4,), 3, C=0)
    model = build_classifier("mlp", (62, 5), 3)
    with pytest.raises(ShapeError, match=r"\[N, 62, 5\]"):
        predict_logits(model, torch.randn(2, 310))
    with pytest.raises(ShapeError):
        fit_classifier(model, torch.randn(4, 5, 62), torch.zeros(4, dtype=torch.long), epochs=1, lr=1e-3, batch_size=2)
    with pytest.raises(LabelError, match="out of range"):
        fit_classifier(model, torch.randn(4, 62, 5), torch.tensor([0, 1, 2, 3]), epochs=1, lr=1e-3, batch_size=2)


def test_pooled_cnn_takes_one_channel_maps_and_channel_first_images() -> None:
    spectrogram = build_classifier("pooled_cnn", (32, 16), 3, seed=0, channels=(4, 8))
    image = build_classifier("pooled_cnn", (3, 16, 16), 3, seed=0, channels=(4, 8))
    assert spectrogram(torch.randn(2, 32, 16)).shape == (2, 3)
    assert image(torch.randn(2, 3, 16, 16)).shape == (2, 3)
    assert image.features[0].in_channels == 3 and spectrogram.features[0].in_channels == 1
    with pytest.raises(ShapeError, match="pooling blocks need height and width >= 16"):
        build_classifier("pooled_cnn", (8, 8), 3, channels=(4, 4, 4, 4))
    with pytest.raises(ShapeError, match="input_shape must be"):
        build_classifier("pooled_cnn", (10,), 3)
    with pytest.raises(ShapeError):
        spectrogram(torch.randn(2, 16, 32))


def test_fcn1d_standardises_per_channel_and_learns_a_toy() -> None:
    """The time-series kind: Wang et al.'s FCN layout, per-channel statistics over samples and time, a learnable toy."""
    import math

    from emozoo.evaluation.classifiers import ChannelStandardize, FCN1DClassifier

    g = torch.Generator().manual_seed(0)
    t = torch.arange(64) / 16.0
    y = torch.arange(40) % 2
    freq = torch.where(y == 1, 3.0, 1.0)[:, None]
    x = torch.stack([torch.sin(2 * math.pi * freq * t), 5.0 + 0.1 * torch.randn(40, 64, generator=g)], 1)  # [40, 2, 64]
    model = build_classifier("fcn1d", (2, 64), 2, seed=0, filters=(8, 8, 8))
    assert isinstance(model, FCN1DClassifier) and isinstance(model.norm, ChannelStandardize)
    assert [m.kernel_size[0] for m in model.blocks if isinstance(m, torch.nn.Conv1d)] == [8, 5, 3]
    fit_classifier(model, x, y, epochs=30, lr=1e-2, batch_size=8, seed=0)
    assert torch.allclose(model.norm.mean, x.mean((0, 2))) and torch.allclose(model.norm.std, x.std((0, 2), unbiased=False))
    assert (predict_logits(model, x).argmax(1) == y).float().mean() >= 0.9
    with pytest.raises(ShapeError, match="channels, time"):
        build_classifier("fcn1d", (1, 2, 64), 2)
    with pytest.raises(ConfigError, match="one positive entry per block"):
        build_classifier("fcn1d", (2, 64), 2, filters=(8, 8), kernels=(3,))
