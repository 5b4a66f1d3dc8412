"""The feature baselines: learning a toy, the tensors they keep reproduce scikit-learn exactly, augmentation of the raw
windows before the features, bit-exact round trips, typed errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import emozoo
from emozoo.data.batches import PhysioBatch
from emozoo.errors import LabelError, ModalityError, NotFittedError, ShapeError

TINY_GBT = {"window_samples": 160, "max_iter": 15, "max_leaf_nodes": 7, "min_samples_leaf": 3}


@pytest.fixture(scope="module")
def data(toy):
    return toy(40, samples=160, seed=0, separation=0.5), toy(20, samples=160, seed=1, separation=0.5)


def test_logreg_learns_and_matches_sklearn(data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from emozoo_wearable_baselines.common import window_features

    train, test = data
    model = emozoo.load("wearable-logreg", window_samples=160)
    model.fit(train)
    assert model.evaluate(test)["UAR"] >= 0.8
    feats, names = window_features(train.features, train.band_names, 16.0)
    assert model.config.feature_names == names and model.coef.shape == (1, len(names))
    scaler = StandardScaler().fit(feats)
    ref = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=0).fit(scaler.transform(feats), train.labels.numpy())
    test_feats, _ = window_features(test.features, test.band_names, 16.0)
    ours = model.predict(test).probabilities.double().numpy()
    assert np.allclose(ours, ref.predict_proba(scaler.transform(test_feats)), atol=1e-6)
    # the same model takes the features themselves (a flat PhysioBatch)
    flat = PhysioBatch(features=torch.from_numpy(test_feats).float(), layout="flat", modality="wrist")
    assert torch.equal(model.predict(flat).labels, model.predict(test).labels)


@pytest.mark.parametrize("k", [2, 3])
def test_gbt_tensors_reproduce_sklearn_bit_for_bit(data, k, tmp_path):
    train, test = data
    labels = train.labels if k == 2 else torch.arange(len(train)) % 3
    batch = PhysioBatch(features=train.features, labels=labels, layout="channels_time", modality="wrist", band_names=train.band_names)
    model = emozoo.load("wearable-gbt", **TINY_GBT, num_classes=k)
    model.fit(batch)
    from emozoo_wearable_baselines.common import window_features
    from emozoo_wearable_baselines.gbt import tree_scores

    feats, _ = window_features(test.features, test.band_names, 16.0)
    feats[0, 0] = np.nan  # a missing feature follows the tree's missing_go_to_left, as in sklearn
    raw = tree_scores(torch.from_numpy(feats), model.trees).numpy()
    assert raw.shape == (len(feats), 1 if k == 2 else k)
    assert np.array_equal(raw, model.sklearn_model._raw_predict(feats))
    assert np.allclose(model._scores(torch.from_numpy(feats)).numpy(), model.sklearn_model.predict_proba(feats), atol=1e-12)
    model.save_pretrained(tmp_path / "m")
    loaded = emozoo.from_pretrained(tmp_path / "m")
    a, b = model.predict(test), loaded.predict(test)
    assert torch.equal(a.probabilities, b.probabilities) and torch.equal(a.labels, b.labels)
    assert not hasattr(loaded, "sklearn_model")  # the loaded model predicts from its tensors alone


def test_gbt_learns_the_toy(data):
    train, test = data
    model = emozoo.load("wearable-gbt", **TINY_GBT)
    model.fit(train)
    assert model.evaluate(test)["UAR"] >= 0.8
    assert model.tree_value.shape == (15, 1, 13)


def test_augmented_presets_add_copies_of_the_raw_windows(data):
    train, _ = data
    plain = emozoo.load("wearable-logreg", window_samples=160)
    aug = emozoo.load("wearable-logreg-aug", window_samples=160, copies=2)
    assert aug.config.augment and not plain.config.augment
    plain.fit(train)
    aug.fit(train)
    assert plain.fit_report["train_samples"] == 40 and aug.fit_report["train_samples"] == 120
    assert not torch.equal(plain.coef, aug.coef)
    again = emozoo.load("wearable-logreg-aug", window_samples=160, copies=2)
    again.fit(train)
    assert torch.equal(again.coef, aug.coef)  # copies are seeded
    from emozoo_wearable_baselines.common import augmented_copies, channel_std

    copies = augmented_copies(train.features, aug.config.augmentation, 2, 0, channel_std(train.features))
    assert all(c.shape == train.features.shape and not torch.equal(c, train.features) for c in copies)
    flat = PhysioBatch(features=torch.randn(40, 15), labels=train.labels, layout="flat", modality="wrist")
    with pytest.raises(ShapeError, match="augments raw windows"):
        aug.fit(flat)
    plain_flat = emozoo.load("wearable-gbt", **TINY_GBT)
    plain_flat.fit(flat)  # features given directly: no augmentation, accepted
    assert plain_flat.config.feature_names[:2] == ("f0", "f1")


def test_typed_errors(data):
    train, test = data
    model = emozoo.load("wearable-logreg", window_samples=160)
    with pytest.raises(NotFittedError):
        model.predict(test)
    one_class = PhysioBatch(features=train.features, labels=torch.zeros(40, dtype=torch.long), layout="channels_time", modality="wrist")
    with pytest.raises(LabelError, match="class 1"):
        model.fit(one_class)
    with pytest.raises(LabelError, match="num_classes"):
        model.fit((train.features, torch.arange(40) % 3))
    with pytest.raises(LabelError, match="labels"):
        model.fit(train.features)
    model.fit(train)
    with pytest.raises(ShapeError, match=r"\[N, 4, 160\]"):
        model.predict(torch.zeros(2, 4, 100))
    swapped = PhysioBatch(features=test.features, layout="channels_time", modality="wrist", band_names=("eda", "bvp", "temp", "hr"))
    with pytest.raises(ShapeError, match="do not match"):
        model.predict(swapped)
    with pytest.raises(ModalityError):
        model.predict(PhysioBatch(features=test.features, layout="channels_time", modality="eeg"))
    with pytest.raises(ShapeError, match="trained on"):
        model.predict(torch.zeros(2, 7))
