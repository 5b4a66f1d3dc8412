"""SpeechDDPM on toy log-mel maps: it learns, it conditions on the emotion, and it keeps the contract."""

from __future__ import annotations

import pytest
import torch

from emozoo.data.batches import AudioBatch, EEGBatch
from emozoo.errors import ConfigError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo.evaluation.classifiers import build_classifier, fit_classifier, predict_logits
from emozoo_speech_diffusion.model import SpeechDDPM


def test_loss_decreases_on_the_toy(trained):
    _, history = trained
    mse = history.series("mse")
    assert mse[-1] < 0.5 * mse[0]
    assert history.series("vlb")[-1] < history.series("vlb")[0]  # the learned variance fits too (L_hybrid)


def test_samples_carry_their_emotion_and_are_not_collapsed(trained, toy):
    model, _ = trained
    train, test = toy
    clf = build_classifier("logreg", (16, 16), 3, seed=0)
    fit_classifier(clf, train.inputs, train.labels, epochs=1, lr=1e-2, batch_size=64)
    assert (predict_logits(clf, test.inputs).argmax(1) == test.labels).float().mean() > 0.95  # the toy is separable
    fake = model.generate(60, seed=0)
    accuracy = (predict_logits(clf, fake.features).argmax(1) == fake.labels).float().mean().item()
    assert accuracy > 0.55  # chance is 1/3
    for k in range(3):
        spread = fake.features[fake.labels == k].std(0).mean().item()
        real = train.inputs[train.labels == k].std(0).mean().item()
        assert spread > 0.3 * real  # distinct samples per class, not one template
    # the class-specific energy band sits where the condition puts it (toy: centre (k + 1) * 16 / 4)
    peaks = [fake.features[fake.labels == k].mean((0, 1)).argmax().item() for k in range(3)]
    assert peaks == sorted(peaks) and peaks[0] < peaks[2]


def test_generate_contract(trained, toy):
    model, _ = trained
    out = model.generate(5, seed=3)
    assert isinstance(out, AudioBatch) and out.kind == "features" and out.features.shape == (5, 16, 16)
    assert out.labels.tolist() == [0, 1, 2, 0, 1]  # balanced over the training classes
    assert out.source == toy[0].source and out.sample_rate == 16000
    assert torch.equal(out.features, model.generate(5, seed=3).features)
    assert not torch.equal(out.features, model.generate(5, seed=4).features)
    assert model.generate(3, condition=2, seed=0).labels.tolist() == [2, 2, 2]
    assert model.generate(condition=[1, 0], seed=0).labels.tolist() == [1, 0]
    assert abs(out.features.mean().item() - toy[0].inputs.mean().item()) < 10  # dB scale of the input, not z-scores


def test_ddpm_sampler_and_classifier_free_guidance(make_config, toy):
    model = SpeechDDPM(make_config(epochs=1, cond_drop_prob=0.2, guidance_scale=2.0, sampler="ddpm", sampling_steps=5))
    model.fit_generator(toy[0])
    out = model.generate(4, seed=0)
    assert out.features.shape == (4, 16, 16) and torch.isfinite(out.features).all()
    with pytest.raises(ConfigError, match="cond_drop_prob"):
        SpeechDDPM(make_config(guidance_scale=2.0))


def test_any_size_is_padded_inside_and_cropped_back(make_config):
    from emozoo_speech_diffusion.example import toy_logmel

    data = toy_logmel(12, frames=21, mels=17)
    model = SpeechDDPM(make_config(num_frames=21, n_mels=17, epochs=1, sampling_steps=3))
    assert model.padded_shape == (24, 20)  # multiples of patch 2 x 2 downsampling = 4
    mask = model.loss_mask()
    assert mask.sum().item() == 21 * 17 and mask[..., 21:, :].sum() == 0
    model.fit_generator(data)
    z = model.standardize(data.inputs)
    assert z.shape == (12, 1, 24, 20) and torch.allclose(model.destandardize(z), data.inputs, atol=1e-4)
    assert model.generate(2, seed=0).features.shape == (2, 21, 17)


def test_standardisation_statistics_are_saved_buffers(trained, toy):
    model, _ = trained
    state = model.state_dict()
    assert {"mel_mean", "mel_std", "z_low", "z_high", "class_counts"} <= set(state)
    assert torch.allclose(state["mel_mean"], toy[0].inputs.reshape(-1, 16).mean(0))
    assert state["class_counts"].tolist() == [32, 32, 32]


def test_fit_trains_the_downstream_classifier_on_real_plus_synthetic(make_config, toy):
    model = SpeechDDPM(make_config(epochs=1, synthetic_ratio=0.5, classifier_epochs=1, sampling_steps=3))
    model.fit(toy[0])
    assert model.fit_report == {"real": 96, "synthetic": 48}
    pred = model.predict(toy[1])
    assert pred.probabilities.shape == (60, 3) and torch.allclose(pred.probabilities.sum(1), torch.ones(60))


def test_fit_generator_does_not_train_the_classifier(make_config, toy):
    model = SpeechDDPM(make_config(epochs=1))
    before = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(toy[0])
    assert all(torch.equal(before[k], v) for k, v in model.classifier.state_dict().items())


def test_typed_errors(make_config, toy):
    model = SpeechDDPM(make_config())
    with pytest.raises(NotFittedError, match="fit"):
        model.generate(2)
    with pytest.raises(ShapeError, match="num_frames"):
        model.fit_generator(AudioBatch(inputs=torch.zeros(4, 10, 16), labels=torch.zeros(4, dtype=torch.long), kind="features"))
    with pytest.raises(ModalityError, match="kind"):
        model.fit_generator(AudioBatch(inputs=torch.zeros(4, 100), labels=torch.zeros(4, dtype=torch.long), sample_rate=16000))
    with pytest.raises(ModalityError):
        model.fit_generator(EEGBatch(features=torch.zeros(4, 3, 5), labels=torch.zeros(4, dtype=torch.long)))
    with pytest.raises(LabelError, match="needs labels"):
        model.fit_generator(AudioBatch(inputs=torch.zeros(4, 16, 16), kind="features"))
    with pytest.raises(LabelError, match="out of range"):
        model.fit_generator(AudioBatch(inputs=torch.zeros(4, 16, 16), labels=torch.tensor([0, 1, 2, 3]), kind="features"))
    with pytest.raises(ConfigError, match="attention_levels"):
        SpeechDDPM(make_config(attention_levels=(True,)))
    with pytest.raises(ConfigError, match="ema_decay"):
        SpeechDDPM(make_config(ema_decay=1.0))


def test_generate_rejects_bad_conditions(trained):
    model, _ = trained
    with pytest.raises(LabelError):
        model.generate(2, condition=7)
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])
