"""The baselines' training: the protocol's pooled_cnn exactly, learning a toy, val selection, the inputs each variant takes."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.data.batches import AudioBatch
from emozoo.data.source import DataSource
from emozoo.errors import ConfigError, LabelError, ModalityError, NotFittedError, ShapeError
from emozoo.evaluation.augmentation import default_classifier_settings
from emozoo.evaluation.classifiers import build_classifier, fit_classifier


def _features(n: int = 48, seed: int = 0) -> AudioBatch:
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    x = torch.randn(n, 32, 16, generator=g)
    x[torch.arange(n), :, 4 * labels + 2] += 2.0
    return AudioBatch(inputs=x, labels=labels, kind="features")


def test_defaults_are_the_protocols_pooled_cnn_settings():
    from emozoo_speech_cnn.model import SpeechCNNConfig

    c, p = SpeechCNNConfig(), default_classifier_settings()["pooled_cnn"]
    assert (c.epochs, c.lr, c.batch_size, c.weight_decay) == (p.epochs, p.lr, p.batch_size, p.weight_decay) == (30, 1e-3, 32, 1e-4)
    assert (c.frontend.n_frames, c.frontend.n_mels, c.frontend.hop_length) == (300, 64, 160)
    model = emozoo.load("speech-cnn")
    assert [type(m).__name__ for m in model.modules()][1] == "PooledCNNClassifier"


def test_speech_cnn_is_the_augmentation_protocols_downstream_cnn(make_config):
    """Same seed, same data: speech-cnn's weights equal fit_classifier's on build_classifier('pooled_cnn'), bit for bit."""
    batch = _features()
    model = emozoo.load("speech-cnn", **(make_config(epochs=2, batch_size=8, weight_decay=1e-4)))
    model.fit(batch)
    reference = build_classifier("pooled_cnn", (32, 16), 3, seed=0, channels=(4, 8), dropout=0.3)
    fit_classifier(reference, batch.inputs, batch.labels, epochs=2, lr=1e-3, batch_size=8, weight_decay=1e-4, seed=0)
    ours, theirs = model.classifier.state_dict(), reference.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_loss_decreases_and_tones_are_learned_from_waveforms(make_config, tones):
    from emozoo.evaluation.classifiers import predict_logits

    train, test = tones(60, seed=0), tones(30, seed=1)
    model = emozoo.load("speech-cnn", **make_config(epochs=10, channels=(8, 16), lr=3e-3))

    def train_ce() -> float:  # in eval mode, on the log-mel of the training set: no dropout noise
        x, y = model._features(train, "train")
        return float(torch.nn.functional.cross_entropy(predict_logits(model.classifier, x), y))

    model.classifier.norm.fit(model._features(train, "train")[0])
    before = train_ce()
    losses = model.fit(train).series("loss")
    assert sum(losses[-3:]) < 0.7 * sum(losses[:3])
    assert train_ce() < 0.5 * before
    assert model.evaluate(test)["ACC"] >= 0.9


def test_specaugment_masks_the_training_batches_only(make_config):
    plain = emozoo.load("speech-cnn", **(make_config()))
    masked = emozoo.load("speech-cnn-specaugment", **{**(make_config()), "augment": "specaugment",
                                                      "specaugment": {"freq_width": 4, "time_width": 8}})
    assert masked.config.augment == "specaugment"
    batch = _features()
    plain.fit(batch)
    masked.fit(batch)
    assert not torch.equal(plain.classifier.features[0].weight, masked.classifier.features[0].weight)
    # the standardisation statistics come from the unmasked inputs, as for the plain CNN
    assert torch.equal(plain.classifier.norm.mean, masked.classifier.norm.mean)
    with pytest.raises(ConfigError, match="freq_width"):
        emozoo.load("speech-cnn-specaugment", **(make_config()))  # F=22 > 16 mel bins, refused at build time


def test_signalaug_adds_copies_and_refuses_features(make_config, tones):
    train = tones(12)
    model = emozoo.load("speech-cnn-signalaug", **{**(make_config(epochs=1)), "augment": "signal", "signal": {"copies": 2}})
    model.fit(train)
    assert model.fit_report["train_samples"] == 36 and model.fit_report["augmented"] == 24
    feats = _features(12)
    with pytest.raises(ModalityError, match="speech-cnn-signalaug augments waveforms"):
        model.fit(feats)
    with pytest.raises(ModalityError, match="waveform"):
        model.fit((feats.inputs, feats.labels))
    assert model.predict(train).labels.shape == (12,)  # predicting needs no augmentation: waveforms and log-mel both work


def test_signalaug_is_deterministic_under_its_seed(make_config, tones):
    train = tones(12)
    cfg = {**(make_config(epochs=1)), "augment": "signal", "signal": {"copies": 1}}
    a, b = emozoo.load("speech-cnn-signalaug", **cfg), emozoo.load("speech-cnn-signalaug", **cfg)
    c = emozoo.load("speech-cnn-signalaug", **{**cfg, "seed": 1})
    for m in (a, b, c):
        m.fit(train)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_val_selection_keeps_the_best_epoch(make_config):
    from emozoo import metrics

    train, val = _features(48, 0), _features(24, 1)
    model = emozoo.load("speech-cnn", **(make_config(epochs=5)))
    history = model.fit(train, val)
    scores = history.series("val_UA")
    assert len(scores) == 5 and model.fit_report["best_epoch"] == scores.index(max(scores))
    pred = model.predict(val).labels
    assert metrics.compute(["UA"], val.labels.numpy(), pred.numpy())["UA"] == pytest.approx(max(scores))
    stopped = emozoo.load("speech-cnn", **(make_config(epochs=30, patience=1)))
    h = stopped.fit(train, val)
    assert h.stop_reason == "callback:BestOnVal" and len(h) < 30  # a toy this easy stops improving long before 30


def test_label_names_come_from_the_training_data_set(make_config, tones):
    from emozoo.registry import get_registry

    train = tones(12)
    model = emozoo.load("speech-cnn", **(make_config(epochs=1)))
    model.fit(train)  # source "tones" is no registered data set: generic names
    assert model.predict(train).label_names == ("class0", "class1", "class2")
    ravdess = get_registry().get_dataset("ravdess").label_names if "ravdess" in {d.id for d in get_registry().list_datasets()} else None
    if ravdess is None:
        pytest.skip("emozoo-speech's ravdess adapter is not registered")
    src = AudioBatch(inputs=train.inputs.repeat(2, 1)[:16], labels=torch.arange(16) % 8, sample_rate=16000,
                     source=DataSource("ravdess", license="CC BY-NC-SA 4.0"))
    eight = emozoo.load("speech-cnn", **(make_config(epochs=1, num_classes=8)))
    eight.fit(src)
    assert eight.predict(src).label_names == tuple(ravdess) and len(ravdess) == 8


def test_bad_inputs_raise_typed_errors(make_config, tones):
    model = emozoo.load("speech-cnn", **(make_config(epochs=1)))
    train = tones(12)
    with pytest.raises(NotFittedError):
        model.predict(train)
    with pytest.raises(LabelError, match="num_classes"):
        model.fit(AudioBatch(inputs=train.inputs, labels=torch.arange(12) % 4, sample_rate=16000))
    with pytest.raises(LabelError, match="labels"):
        model.fit(AudioBatch(inputs=train.inputs, sample_rate=16000))
    model.fit(train)
    with pytest.raises(ShapeError, match=r"\[N, 32, 16\]"):
        model.predict(torch.zeros(2, 32, 20))
    with pytest.raises(ShapeError, match="AudioBatch"):
        model.predict(torch.zeros(2, 8000))  # a bare 2-D tensor is no log-mel, and a waveform needs its sample rate
    with pytest.raises(ModalityError, match="functionals"):
        model.predict(AudioBatch(inputs=torch.zeros(2, 88), kind="functionals"))
