"""The face baselines' training: the protocol's pooled_cnn exactly, learning a toy, classical augmentation per batch,
val selection, label names, and the typed errors of bad input. Toy images are generated; no real face is stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import emozoo
from emozoo.data.batches import AudioBatch, ImageBatch
from emozoo.data.source import DataSource
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.augmentation import default_classifier_settings
from emozoo.evaluation.classifiers import (
    build_classifier,
    fit_classifier,
    predict_logits,
)

MUXSPACE = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "facial-expressions-muxspace" / "faces_48x48.npz"


def test_defaults_are_the_protocols_pooled_cnn_settings():
    from emozoo_fer_cnn.model import FERCNNConfig

    c, p = FERCNNConfig(), default_classifier_settings()["pooled_cnn"]
    assert (c.epochs, c.lr, c.batch_size, c.weight_decay) == (p.epochs, p.lr, p.batch_size, p.weight_decay) == (30, 1e-3, 32, 1e-4)
    assert (c.image_size, c.image_channels, c.num_classes, c.channels, c.dropout) == (48, 1, 8, (16, 32, 64, 64), 0.3)
    model = emozoo.load("fer-cnn")
    assert type(model.classifier).__name__ == "PooledCNNClassifier" and model.classifier.input_shape == (1, 48, 48)
    assert emozoo.load("fer-cnn-classicaug").config.augment == "classical"
    assert emozoo.load("fer-cnn-rebalanced").config.rebalance == "weighted"


def test_fer_cnn_is_the_augmentation_protocols_downstream_cnn(make_config, toy_faces):
    """Same seed, same data: fer-cnn's weights equal fit_classifier's on build_classifier('pooled_cnn'), bit for bit."""
    batch = toy_faces(40)
    model = emozoo.load("fer-cnn", **make_config(epochs=2, batch_size=8))
    model.fit(batch)
    reference = build_classifier("pooled_cnn", (1, 16, 16), 3, seed=0, channels=(4, 8), dropout=0.3)
    fit_classifier(reference, batch.images, batch.labels, epochs=2, lr=1e-3, batch_size=8, weight_decay=1e-4, seed=0)
    ours, theirs = model.classifier.state_dict(), reference.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_loss_decreases_and_the_toy_is_learned(make_config, toy_faces):
    train, test = toy_faces(96, classes=4, seed=0), toy_faces(48, classes=4, seed=1)
    model = emozoo.load("fer-cnn", **make_config(num_classes=4, epochs=8, channels=(8, 16), lr=3e-3))
    model.classifier.norm.fit(train.images)
    before = float(torch.nn.functional.cross_entropy(predict_logits(model.classifier, train.images), train.labels))
    losses = model.fit(train).series("loss")
    after = float(torch.nn.functional.cross_entropy(predict_logits(model.classifier, train.images), train.labels))
    assert sum(losses[-2:]) < 0.6 * sum(losses[:2]) and after < 0.5 * before
    assert model.evaluate(test)["ACC"] >= 0.9  # chance is 0.25
    # predict's probabilities are a softmax over the classes
    probs = model.predict(test).probabilities
    assert probs.shape == (48, 4) and torch.allclose(probs.sum(1), torch.ones(48))


def test_classicaug_learns_the_toy_too(make_config, toy_faces):
    train, test = toy_faces(96, classes=4, seed=3), toy_faces(48, classes=4, seed=4)
    model = emozoo.load("fer-cnn-classicaug", **make_config(num_classes=4, epochs=10, channels=(8, 16), lr=3e-3,
                                                             classical={"crop_padding": 2}))
    model.fit(train)
    assert model.evaluate(test)["ACC"] >= 0.75


def test_classical_augmentation_changes_the_batches_but_not_the_labels(make_config, toy_faces, monkeypatch):
    import emozoo_fer_cnn.model as fer_model

    from emozoo.runtime import rows_loader

    seen = []
    original = fer_model.classical_augment

    def recording(images, config, generator):
        out = original(images, config, generator)
        seen.append((images.clone(), out.clone()))
        return out

    targets = []
    monkeypatch.setattr(fer_model, "classical_augment", recording)
    batch = toy_faces(40)
    aug = emozoo.load("fer-cnn-classicaug", **make_config(epochs=2, classical={"crop_padding": 2}))
    aug.fit(batch)
    assert len(seen) == 2 * 5  # every training batch of both epochs went through the augmentation
    assert all(a.shape == b.shape for a, b in seen)
    assert sum(not torch.equal(a, b) for a, b in seen) == len(seen)
    # the batches are those of the plain CNN's shuffle (seed 0), so each augmented batch kept its images' labels
    loader = rows_loader(batch.images, batch.labels, batch_size=8, seed=0)
    for epoch in range(2):
        for (x, y), (inputs, _) in zip(loader, seen[5 * epoch : 5 * epoch + 5]):
            assert torch.equal(x, inputs)
            targets.append(y)
    assert torch.equal(torch.cat(targets).bincount(), batch.labels.bincount() * 2)
    plain = emozoo.load("fer-cnn", **make_config(epochs=2))
    plain.fit(batch)
    # standardisation statistics come from the un-augmented images; the weights differ
    assert torch.equal(plain.classifier.norm.mean, aug.classifier.norm.mean)
    assert not torch.equal(plain.classifier.features[0].weight, aug.classifier.features[0].weight)


def test_augmented_training_is_deterministic_under_its_seed(make_config, toy_faces):
    batch = toy_faces(24)
    cfg = make_config(epochs=1, classical={"crop_padding": 2})
    a, b = emozoo.load("fer-cnn-classicaug", **cfg), emozoo.load("fer-cnn-classicaug", **cfg)
    c = emozoo.load("fer-cnn-classicaug", **{**cfg, "seed": 1})
    for m in (a, b, c):
        m.fit(batch)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_val_selection_keeps_the_best_epoch(make_config, toy_faces):
    from emozoo import metrics

    train, val = toy_faces(48, seed=0), toy_faces(24, seed=1)
    model = emozoo.load("fer-cnn", **make_config(epochs=5))
    history = model.fit(train, val)
    scores = history.series("val_UAR")
    assert len(scores) == 5 and model.fit_report["best_epoch"] == scores.index(max(scores))
    pred = model.predict(val).labels
    assert metrics.compute(["UA"], val.labels.numpy(), pred.numpy())["UA"] == pytest.approx(max(scores))
    stopped = emozoo.load("fer-cnn", **make_config(epochs=40, patience=1, lr=3e-3))
    h = stopped.fit(train, val)
    assert h.stop_reason == "callback:BestOnVal" and len(h) < 40


def test_tuple_and_bare_tensor_inputs_give_the_same_model(make_config, toy_faces):
    batch = toy_faces(24)
    a, b = emozoo.load("fer-cnn", **make_config(epochs=1)), emozoo.load("fer-cnn", **make_config(epochs=1))
    a.fit(batch)
    b.fit((batch.images, batch.labels))
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert torch.equal(a.predict(batch.images).probabilities, a.predict(batch).probabilities)


def test_label_names_come_from_the_training_data_set(make_config, toy_faces):
    from emozoo.registry import get_registry

    train = toy_faces(12)
    model = emozoo.load("fer-cnn", **make_config(epochs=1))
    model.fit(train)  # source "toy-faces" is no registered data set: generic names
    assert model.predict(train).label_names == ("class0", "class1", "class2")
    named = emozoo.load("fer-cnn", **make_config(epochs=1, label_names=("a", "b", "c")))
    named.fit(train)
    assert named.predict(train).label_strings()[:1][0] in ("a", "b", "c")
    if "muxspace-faces" not in {d.id for d in get_registry().list_datasets()}:
        pytest.skip("emozoo-face's muxspace-faces adapter is not registered")
    names = tuple(get_registry().get_dataset("muxspace-faces").label_names)
    eight = toy_faces(16, classes=8)
    src = ImageBatch(images=eight.images, labels=eight.labels, source=DataSource("muxspace-faces", license="Apache-2.0"))
    m8 = emozoo.load("fer-cnn", **make_config(epochs=1, num_classes=8))
    m8.fit(src)
    assert m8.predict(src).label_names == names and len(names) == 8


def test_bad_inputs_raise_typed_errors(make_config, toy_faces):
    model = emozoo.load("fer-cnn", **make_config(epochs=1))
    train = toy_faces(12)
    with pytest.raises(NotFittedError):
        model.predict(train)
    with pytest.raises(LabelError, match="num_classes"):
        model.fit(ImageBatch(images=train.images, labels=torch.arange(12) % 4))
    with pytest.raises(LabelError, match="labels"):
        model.fit(ImageBatch(images=train.images))
    model.fit(train)
    pixels = (train.images * 255).round().to(torch.uint8)
    with pytest.raises(DTypeError, match="prepare_images"):
        model.predict(pixels)  # raw uint8 pixels
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        model.predict(ImageBatch(images=pixels))  # the batch made them float 0..255
    with pytest.raises(ShapeError, match=r"\[N, 1, 16, 16\].*image_size"):
        model.predict(torch.zeros(2, 1, 48, 48))
    with pytest.raises(ShapeError, match="image_channels"):
        model.predict(torch.zeros(2, 3, 16, 16))
    with pytest.raises(ShapeError):
        model.predict(torch.zeros(2, 16, 16))
    with pytest.raises(NonFiniteError):
        bad = train.images.clone()
        bad[0, 0, 0, 0] = float("nan")
        model.predict(bad)
    with pytest.raises(EmptyInputError):
        model.predict(torch.zeros(0, 1, 16, 16))
    with pytest.raises(ModalityError, match="face method"):
        model.predict(AudioBatch(inputs=torch.zeros(2, 88), kind="functionals"))
    with pytest.raises(ConfigError, match="image_channels"):
        emozoo.load("fer-cnn", image_channels=2)
    with pytest.raises(ConfigError, match="augment"):
        emozoo.load("fer-cnn", augment="mixup")


def test_a_slice_of_the_real_faces_fits_at_48x48():
    """Reads 64 real images at run time when the data set is beside the checkout (nothing is written anywhere)."""
    path = MUXSPACE.resolve()
    if not path.exists():
        pytest.skip(f"the muxspace face set is not at {path}")
    with np.load(path) as data:
        images = torch.from_numpy(data["images"][:64].astype(np.float32) / 255.0)[:, None]
        labels = torch.from_numpy(data["labels"][:64])
    batch = ImageBatch(images=images, labels=labels)
    model = emozoo.load("fer-cnn-classicaug", epochs=1)
    model.fit(batch)
    pred = model.predict(batch)
    assert pred.probabilities.shape == (64, 8) and torch.allclose(pred.probabilities.sum(1), torch.ones(64))
