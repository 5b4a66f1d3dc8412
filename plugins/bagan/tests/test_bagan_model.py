"""What BAGAN should achieve on a learnable toy, and what only its recipe specifies (init from the autoencoder, K+1 head)."""

from __future__ import annotations

import pytest
import torch
from emozoo_bagan.balancing import balancing_counts
from emozoo_bagan.example import toy_spectrograms
from emozoo_bagan.model import BAGAN, BAGANConfig

from emozoo.data.batches import AudioBatch
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, InputError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo.evaluation.classifiers import build_classifier, fit_classifier, predict_logits


def test_autoencoder_phase_learns_to_reconstruct(trained):
    model, history = trained
    rec = history.series("reconstruction_loss")
    assert len(rec) == 30 and rec[-1] < 0.3 * rec[0]
    assert len(history.series("discriminator_loss")) == len(history.series("generator_loss")) == 15


def test_discriminator_learns_the_real_classes(trained, toy):
    model, history = trained
    d = history.series("discriminator_loss")
    assert sum(d[-3:]) / 3 < sum(d[:3]) / 3
    model.discriminator.eval()
    with torch.no_grad():
        real = model.discriminator(model._to_network(toy[1].features)).softmax(1)
    assert (real[:, :3].argmax(1) == toy[1].labels).float().mean() > 0.9  # K-way head on held-out real data
    assert real.shape == (60, 4)  # K classes + "fake"


def test_class_conditional_samples_carry_their_class_and_keep_variety(trained, toy):
    model, _ = trained
    train, test = toy
    judge = build_classifier("logreg", (16, 16), 3, seed=0)
    fit_classifier(judge, train.features, train.labels, epochs=1, lr=1e-3, batch_size=32)
    assert (predict_logits(judge, test.features).argmax(1) == test.labels).float().mean() == 1.0
    out = model.generate(90, seed=0)
    assert (predict_logits(judge, out.features).argmax(1) == out.labels).float().mean() > 0.8  # chance is 1/3
    for c in range(3):
        real, fake = train.features[train.labels == c], out.features[out.labels == c]
        gain_ratio = fake.mean((1, 2)).std() / real.mean((1, 2)).std()  # per-sample gain: a learnable factor
        assert gain_ratio > 0.3, f"class {c}: generated gains collapsed (sd ratio {gain_ratio:.2f})"
        nearest = torch.cdist(fake.flatten(1), real.flatten(1)).min(1).values
        assert nearest.min() > 1.0  # new spectrograms, not copies of training ones


def test_discriminator_starts_from_the_trained_encoder(make_config, toy):
    model = BAGAN(make_config(autoencoder_epochs=2, epochs=0, classifier_epochs=0))
    before = {k: v.clone() for k, v in model.discriminator.features.state_dict().items()}
    model.fit_generator(toy[0])
    enc, disc = model.reconstructor.features.state_dict(), model.discriminator.features.state_dict()
    assert all(torch.equal(enc[k], disc[k]) for k in enc)
    assert not all(torch.equal(before[k], disc[k]) for k in before)
    assert model.discriminator.classes.out_features == 4  # K classes + fake


def test_class_gaussians_are_fitted_to_the_encoder_codes(trained, toy):
    model, _ = trained
    model.reconstructor.eval()
    with torch.no_grad():
        codes = model.reconstructor(model._to_network(toy[0].features))
    for c in range(3):
        assert torch.allclose(model.class_means[c], codes[toy[0].labels == c].mean(0), atol=1e-4)


def test_generate_contract(trained):
    model, _ = trained
    a, b = model.generate(7, seed=5), model.generate(7, seed=5)
    assert torch.equal(a.features, b.features) and a.features.shape == (7, 16, 16) and a.kind == "features"
    assert a.labels.tolist() == [0, 1, 2, 0, 1, 2, 0]  # condition=None: balanced, classes in turn
    assert not torch.equal(a.features, model.generate(7, seed=6).features)
    assert model.generate(4, condition=2, seed=0).labels.tolist() == [2, 2, 2, 2]
    assert model.generate(condition=[1, 0], seed=0).labels.tolist() == [1, 0]
    assert -80 < a.features.mean() < 0  # the input's dB scale, not the standardised one
    with pytest.raises(LabelError):
        model.generate(2, condition=3)
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])
    with pytest.raises(InputError):
        model.generate()
    with pytest.raises(EmptyInputError):
        model.generate(condition=[])
    with pytest.raises(DTypeError):
        model.generate(2, condition=1.5)


def test_fit_generator_leaves_the_downstream_classifier_alone_and_fit_balances(make_config):
    x, y = toy_spectrograms(40)
    keep = torch.cat([torch.arange(40)[y != 2], torch.arange(40)[y == 2][:4]])  # counts 14, 13, 4
    train = AudioBatch(inputs=x[keep], labels=y[keep], kind="features")
    model = BAGAN(make_config(epochs=1))
    before = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(train)
    assert all(torch.equal(before[k], v) for k, v in model.classifier.state_dict().items())
    model.fit(train)
    assert model.fit_report["synthetic"] == sum(balancing_counts(train.labels, 3)) == 1 + 10
    assert not all(torch.equal(before[k], v) for k, v in model.classifier.state_dict().items())
    assert model.predict(train).probabilities.shape == (len(keep), 3)


def test_any_size_of_at_least_16_is_padded_and_cropped_back(make_config):
    x, y = toy_spectrograms(12, num_frames=20, num_mels=17)
    model = BAGAN(make_config(num_frames=20, num_mels=17, epochs=1, classifier_epochs=0))
    assert model.grid == (2, 20, 20)
    model.fit_generator(AudioBatch(inputs=x, labels=y, kind="features"))
    assert model.generate(3, seed=0).features.shape == (3, 20, 17)
    assert torch.allclose(model._from_network(model._to_network(x)), x, atol=1e-4)
    assert model.reconstruct(x).shape == x.shape


def test_bad_configs_and_inputs_raise_typed_errors(make_config, toy):
    with pytest.raises(ConfigError):
        BAGANConfig(num_classes=3)  # four default label names
    with pytest.raises(ConfigError):
        BAGAN({"num_mels": 8})
    with pytest.raises(ConfigError):
        make_config(output_range=0.0)
    model = BAGAN(make_config(epochs=1))
    with pytest.raises(NotFittedError):
        model.generate(2, seed=0)
    with pytest.raises(ModalityError):
        model.fit(AudioBatch(inputs=torch.randn(4, 16000), labels=torch.tensor([0, 1, 2, 0]), sample_rate=16000))
    with pytest.raises(ShapeError):
        model.fit(AudioBatch(inputs=torch.randn(6, 16, 20), labels=torch.arange(6) % 3, kind="features"))
    with pytest.raises(LabelError):
        model.fit(AudioBatch(inputs=torch.randn(6, 16, 16), labels=torch.arange(6) % 4, kind="features"))
    with pytest.raises(LabelError):
        model.fit(AudioBatch(inputs=torch.randn(6, 16, 16), labels=torch.arange(6) % 2, kind="features"))  # class 2 absent
    with pytest.raises(LabelError):
        model.fit(toy[0].features)  # no labels
