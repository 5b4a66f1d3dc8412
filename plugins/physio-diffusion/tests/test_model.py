"""PhysioDDPM on toy windows: it learns, it conditions on the class, and it keeps the contract."""

from __future__ import annotations

import pytest
import torch
from emozoo_physio_diffusion.model import PhysioDDPM
from emozoo_physio_diffusion.networks import UNet1d, WindowCNN

from emozoo.data.batches import AudioBatch, PhysioBatch
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.classifiers import fit_classifier, predict_logits


def _peak_bins(x: torch.Tensor) -> torch.Tensor:
    """The non-DC FFT bin of largest mean magnitude of channel 0, per window [N]."""
    spec = torch.fft.rfft(x[:, 0] - x[:, 0].mean(-1, keepdim=True), dim=-1).abs()
    return spec[:, 1:].argmax(-1) + 1


def test_l_simple_decreases_on_the_toy(trained):
    _, history = trained
    loss = history.series("loss")
    assert loss[0] > 0.5  # an untrained (zero-output) denoiser scores ~1
    assert loss[-1] < 0.3 * loss[0]


def test_samples_carry_their_class(trained, toy):
    model, _ = trained
    train, test = toy
    clf = WindowCNN(2, 2, channels=(8, 16))  # a classifier of real windows only
    clf.set_statistics(train.features)
    fit_classifier(clf, train.features, train.labels, epochs=15, lr=3e-3, batch_size=16, seed=0)
    assert (predict_logits(clf, test.features).argmax(1) == test.labels).float().mean() > 0.95  # the toy is separable
    fake = model.generate(64, seed=0)
    accuracy = (predict_logits(clf, fake.features).argmax(1) == fake.labels).float().mean().item()
    assert accuracy > 0.75  # chance 0.5 (measured 0.89)
    for k in range(2):
        # the spectrum peaks at the class's frequency: (k + 1) Hz at 16 Hz over 64 samples = bin 4 (k + 1)
        bins = _peak_bins(fake.features[fake.labels == k])
        assert (bins == 4 * (k + 1)).float().mean() > 0.5  # measured 0.75 / 0.66; any other bin is < 0.1
        level = fake.features[fake.labels == k, 1].mean().item()
        assert abs(level - 2.0 * k) < 0.7  # the EDA level of class k is 2 k (measured 0.13 / 1.46)
        spread = fake.features[fake.labels == k, 0].std(0).mean().item()
        assert spread > 0.3 * train.features[train.labels == k, 0].std(0).mean().item()  # not one template


def test_generate_contract(trained, toy):
    model, _ = trained
    out = model.generate(5, seed=3)
    assert isinstance(out, PhysioBatch) and out.layout == "channels_time" and out.modality == "wrist"
    assert out.features.shape == (5, 2, 64) and out.features.dtype == torch.float32
    assert out.band_names == ("bvp", "eda") and out.source == toy[0].source
    assert out.labels.tolist() == [0, 1, 0, 1, 0]  # balanced
    assert torch.equal(out.features, model.generate(5, seed=3).features)
    assert not torch.equal(out.features, model.generate(5, seed=4).features)
    assert model.generate(3, condition=1, seed=0).labels.tolist() == [1, 1, 1]
    assert model.generate(condition=[1, 0], seed=0).labels.tolist() == [1, 0]
    assert abs(out.features[:, 1].mean().item() - toy[0].features[:, 1].mean().item()) < 1.0  # input scale, not z-scores


def test_ddpm_sampler_and_classifier_free_guidance(make_config, toy):
    model = PhysioDDPM(make_config(epochs=1, cond_drop_prob=0.2, guidance_scale=2.0, sampler="ddpm", sampling_steps=0,
                                   num_timesteps=10))
    model.fit_generator(toy[0])
    assert model.sampling_schedule().num_steps == 10  # ancestral over every step
    out = model.generate(4, seed=0)
    assert out.features.shape == (4, 2, 64) and torch.isfinite(out.features).all()
    with pytest.raises(ConfigError, match="cond_drop_prob"):
        PhysioDDPM(make_config(guidance_scale=2.0))


def test_any_length_is_padded_inside_and_cropped_back(make_config):
    from emozoo_physio_diffusion.example import toy_windows

    data = toy_windows(8, length=61)
    model = PhysioDDPM(make_config(window_length=61, epochs=1, sampling_steps=3, patch_size=2))
    assert model.padded_length == 64  # a multiple of patch 2 x one downsampling = 4
    assert model.loss_mask().sum().item() == 61
    model.fit_generator(data)
    z = model.standardize(data.features)
    assert z.shape == (8, 2, 64) and torch.allclose(model.destandardize(z), data.features, atol=1e-5)
    assert model.generate(2, seed=0).features.shape == (2, 2, 61)


def test_unet_shapes_and_patch_round_trip():
    net = UNet1d(3, 2, base_channels=8, channel_mult=(1, 2, 2), num_res_blocks=1, attention_levels=(False, False, True), patch_size=4)
    x = torch.randn(2, 3, 32)
    assert torch.equal(net._shuffle(net._unshuffle(x)), x)
    assert net(x, torch.tensor([0, 5]), torch.tensor([0, 2])).shape == (2, 3, 32)  # class 2 = the null class


def test_standardisation_statistics_are_saved_buffers(trained, toy):
    model, _ = trained
    state = model.state_dict()
    assert {"channel_mean", "channel_std", "z_low", "z_high", "class_counts"} <= set(state)
    x = toy[0].features
    assert torch.allclose(state["channel_mean"], x.mean((0, 2)), atol=1e-6)
    assert torch.allclose(state["channel_std"], x.std((0, 2), unbiased=False), atol=1e-6)
    assert state["class_counts"].tolist() == [64, 64]


def test_fit_trains_the_downstream_classifier_on_real_plus_synthetic(make_config, toy):
    model = PhysioDDPM(make_config(epochs=1, synthetic_ratio=0.5, classifier_epochs=1, sampling_steps=3))
    model.fit(toy[0])
    assert model.fit_report == {"real": 128, "synthetic": 64}
    pred = model.predict(toy[1])
    assert pred.probabilities.shape == (64, 2) and torch.allclose(pred.probabilities.sum(1), torch.ones(64))
    mlp = PhysioDDPM(make_config(epochs=1, synthetic_ratio=0.0, classifier="mlp", classifier_options={}))
    mlp.fit((toy[0].features, toy[0].labels))
    assert mlp.predict(toy[1].features).labels.shape == (64,)


def test_fit_generator_does_not_train_the_classifier(make_config, toy):
    model = PhysioDDPM(make_config(epochs=1))
    before = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(toy[0])
    assert all(torch.equal(before[k], v) for k, v in model.classifier.state_dict().items())


def test_tuple_and_bare_tensor_inputs(make_config, toy):
    model = PhysioDDPM(make_config(epochs=1, sampling_steps=2))
    model.fit_generator((toy[0].features, toy[0].labels))
    out = model.generate(2, seed=0)
    assert isinstance(out, PhysioBatch) and out.band_names == ("bvp", "eda") and out.layout == "channels_time"


def test_typed_errors(make_config, toy):
    model = PhysioDDPM(make_config())
    x, y = toy[0].features[:8], toy[0].labels[:8]
    with pytest.raises(NotFittedError, match="fit"):
        model.generate(2)
    with pytest.raises(ShapeError, match="window_length"):
        model.fit_generator((x[..., :60], y))
    with pytest.raises(ShapeError, match="num_channels"):
        model.fit_generator((x[:, :1], y))
    with pytest.raises(ShapeError, match="channels_time"):
        model.fit_generator(PhysioBatch(features=x.reshape(8, -1), labels=y, modality="wrist", layout="flat"))
    with pytest.raises(ShapeError):
        model.fit_generator((x[:, 0], y))  # 2-D
    with pytest.raises(ModalityError):
        model.fit_generator(AudioBatch(inputs=torch.zeros(4, 100), labels=torch.zeros(4, dtype=torch.long), sample_rate=16000))
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(NonFiniteError):
        model.fit_generator((bad, y))
    with pytest.raises(EmptyInputError):
        model.fit_generator((x[:0], y[:0]))
    with pytest.raises(LabelError, match="needs labels"):
        model.fit_generator(x)
    with pytest.raises(LabelError, match="out of range"):
        model.fit_generator((x, torch.full((8,), 2)))
    with pytest.raises(LabelError, match=">= 0"):
        model.fit_generator((x, torch.full((8,), -1)))
    with pytest.raises(LabelError, match=r"class 1 \(stress\)"):
        model.fit_generator((x, torch.zeros(8, dtype=torch.long)))
    with pytest.raises(DTypeError):
        model.fit_generator((x, y.float()))
    with pytest.raises(ConfigError, match="attention_levels"):
        PhysioDDPM(make_config(attention_levels=(True,)))
    with pytest.raises(ConfigError, match="beta"):
        PhysioDDPM(make_config(beta_start=0.1, beta_end=0.01))


def test_generate_and_predict_reject_bad_arguments(trained, toy):
    model, _ = trained
    with pytest.raises(LabelError):
        model.generate(2, condition=7)
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])
    model.fitted.fill_(1)
    with pytest.raises(ShapeError, match="window_length"):
        model.predict(toy[1].features[..., :32])
