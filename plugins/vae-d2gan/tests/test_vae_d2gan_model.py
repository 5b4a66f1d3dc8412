"""Method-level tests of VAED2GAN: shapes, learning on a toy, conditioning, determinism, round trip, typed errors."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from emozoo_vae_d2gan.model import VAED2GAN, VAED2GANConfig
from emozoo_vae_d2gan.networks import Discriminator, Encoder, Generator

from emozoo.data.batches import EEGBatch, PhysioBatch
from emozoo.errors import (
    ConfigError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)

K = 3


def distance_matrix(model: VAED2GAN, means: torch.Tensor, n: int = 300, seed: int = 11) -> torch.Tensor:
    """[K, K] Euclidean distances between the mean of generated class-k samples (rows) and the true mean of class j (cols)."""
    generated = torch.stack([model.generate(n, condition=k, seed=seed).features.mean(0) for k in range(K)])
    return torch.cdist(generated.flatten(1), means.flatten(1))


# --- shapes ---------------------------------------------------------------------------------------


def test_network_shapes():
    x, onehot, mask = torch.randn(4, 5, 9, 9), torch.eye(3)[[0, 1, 2, 0]], torch.ones(9, 9)
    mu, logvar = Encoder(5, 3, 8, 6, (9, 9))(x, onehot)
    assert mu.shape == logvar.shape == (4, 6)
    out = Generator(5, 3, 8, 6, (9, 9))(mu, onehot, mask)
    assert out.shape == (4, 5, 9, 9)
    assert Discriminator(5, 3, 8, (9, 9))(out, onehot).shape == (4,)


def test_generator_output_is_zero_off_the_electrodes(tiny_config):
    model = VAED2GAN(tiny_config)
    assert int(model.mask.sum()) == 62
    out = model.generator(torch.randn(2, 8), torch.eye(3)[:2], model.mask)
    assert torch.all(out[:, :, model.mask == 0] == 0)
    assert torch.any(out[:, :, model.mask == 1] != 0)


def test_generate_and_predict_shapes(fitted, toy_batch):
    model, _ = fitted
    synth = model.generate(7, condition=[0, 1, 2, 2, 1, 0, 0], seed=0)
    assert isinstance(synth, EEGBatch)
    assert synth.features.shape == (7, 62, 5) and synth.features.dtype == torch.float32
    assert synth.labels.tolist() == [0, 1, 2, 2, 1, 0, 0]
    assert synth.layout == "channels_bands" and synth.band_names == ("delta", "theta", "alpha", "beta", "gamma")
    assert model.generate(5, seed=0).labels.tolist() == [0, 1, 2, 0, 1]  # no condition: cycle through classes
    assert model.generate(4, condition="positive", seed=0).labels.tolist() == [2, 2, 2, 2]
    assert model.generate(2, condition=torch.tensor(1), seed=0).labels.tolist() == [1, 1]
    pred = model.predict(toy_batch)
    assert pred.labels.shape == (240,) and pred.probabilities.shape == (240, 3)
    torch.testing.assert_close(pred.probabilities.sum(1), torch.ones(240))
    assert model.predict(toy_batch.features[:5]).labels.shape == (5,)  # a bare tensor works too


# --- learning -------------------------------------------------------------------------------------


def test_losses_decrease_and_history_is_complete(fitted):
    _, history = fitted
    assert len(history) == 20
    for name in ("loss_vae", "kl", "recon", "loss_d1", "loss_d2", "loss_g"):
        assert all(torch.isfinite(torch.tensor(history.series(name))))
    recon = history.series("recon")
    assert sum(recon[-3:]) / 3 < 0.6 * sum(recon[:3]) / 3
    assert "classifier_loss" in history.last and history.last["val_ACC"] > 90.0


def test_generated_class_means_approach_true_means(tiny_config, toy_batch, toy_means, fitted, make_runtime):
    untrained = VAED2GAN(dataclasses.replace(tiny_config, epochs=0, classifier_epochs=0))
    untrained.fit(toy_batch, runtime=make_runtime())  # fits the normalisation only: generator still at its initial weights
    before = distance_matrix(untrained, toy_means).diagonal()
    after = distance_matrix(fitted[0], toy_means).diagonal()
    assert torch.all(after < 0.7 * before), (before, after)


def test_class_conditional_samples_move_toward_their_own_class(fitted, toy_means):
    d = distance_matrix(fitted[0], toy_means)
    for k in range(K):
        others = [d[k, j] for j in range(K) if j != k]
        assert d[k, k] < 0.8 * min(others), d


def test_synthetic_samples_are_diverse(fitted, toy_batch):
    synth = fitted[0].generate(200, condition=0, seed=5).features
    real = toy_batch.features[toy_batch.labels == 0]
    ratio = synth.std(0).mean() / real.std(0).mean()
    assert 0.2 < ratio < 5.0  # neither collapsed to a point nor exploded


# --- determinism ----------------------------------------------------------------------------------


def test_generation_is_deterministic_under_seed(fitted):
    model, _ = fitted
    a, b = model.generate(16, condition=1, seed=42), model.generate(16, condition=1, seed=42)
    assert torch.equal(a.features, b.features)
    assert not torch.equal(a.features, model.generate(16, condition=1, seed=43).features)
    assert torch.equal(model.generate(16, label=1, seed=42).features, a.features)  # label= is an alias of condition=


def test_generate_and_predict_before_fit_raise(tiny_config, toy_batch):
    model = VAED2GAN(tiny_config)
    with pytest.raises(NotFittedError):
        model.generate(4)
    with pytest.raises(NotFittedError):
        model.predict(toy_batch)


def test_wrong_shapes_raise(fitted, tiny_config):
    model, _ = fitted
    with pytest.raises(ShapeError):
        model.predict(torch.randn(4, 32, 5))
    with pytest.raises(ShapeError):
        model.predict(torch.randn(4, 310))
    with pytest.raises(ShapeError):
        VAED2GAN(tiny_config).fit(EEGBatch(features=torch.randn(10, 62, 4), labels=torch.zeros(10, dtype=torch.long)))
    with pytest.raises(ShapeError):
        model.predict(EEGBatch(features=torch.randn(3, 5, 9, 9), layout="grid"))


def test_labels_out_of_range_raise(fitted, tiny_config):
    model, _ = fitted
    with pytest.raises(LabelError):
        VAED2GAN(tiny_config).fit(EEGBatch(features=torch.randn(10, 62, 5), labels=torch.arange(10) % 4))
    with pytest.raises(LabelError):
        model.generate(4, condition=3)
    with pytest.raises(LabelError):
        model.generate(2, condition=[0, -1])
    with pytest.raises(LabelError):
        model.generate(2, condition="surprise")
    with pytest.raises(LabelError):
        VAED2GAN(tiny_config).fit(EEGBatch(features=torch.randn(10, 62, 5)))  # unlabelled


def test_nan_input_raises(fitted, tiny_config):
    x = torch.randn(6, 62, 5)
    x[2, 10, 3] = float("nan")
    with pytest.raises(NonFiniteError):
        fitted[0].predict(x)
    with pytest.raises(NonFiniteError):
        VAED2GAN(tiny_config).fit((x, torch.zeros(6, dtype=torch.long)))


def test_bad_generate_arguments_raise(fitted):
    model, _ = fitted
    with pytest.raises(InputError):
        model.generate(0)
    with pytest.raises(InputError):
        model.generate(None)
    with pytest.raises(InputError):
        model.generate(3, condition=1, label=2)
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])


def test_other_modality_and_bad_config_raise(fitted):
    with pytest.raises(ModalityError):
        fitted[0].predict(PhysioBatch(features=torch.randn(3, 62, 5), modality="ecg"))
    with pytest.raises(ConfigError):
        VAED2GAN(VAED2GANConfig(alpha=0.0))
    with pytest.raises(ConfigError):
        VAED2GAN(VAED2GANConfig(num_classes=4))  # three default label names for four classes
    with pytest.raises(ConfigError):
        VAED2GAN(VAED2GANConfig(classifier="forest"))
