"""The 1-D CNN: Wang et al.'s FCN layout, learning a toy, val selection, augmentation of training batches only."""

from __future__ import annotations

import pytest
import torch

import emozoo
from emozoo.errors import ShapeError

TINY = {"window_samples": 160, "filters": (8, 16, 8), "epochs": 6, "batch_size": 8, "lr": 3e-3}


def test_network_is_the_fcn():
    model = emozoo.load("wearable-cnn1d")
    convs = [m for m in model.net.blocks if isinstance(m, torch.nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [(4, 128, 8), (128, 256, 5), (256, 128, 3)]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in model.net.blocks) == 3
    assert model(torch.zeros(2, 4, 960)).shape == (2, 2)


def test_loss_decreases_and_the_toy_is_learned(toy):
    train, test = toy(48, samples=160, seed=0, separation=0.5), toy(24, samples=160, seed=1, separation=0.5)
    model = emozoo.load("wearable-cnn1d", **TINY)
    losses = model.fit(train).series("loss")
    assert losses[-1] < 0.7 * losses[0]
    assert model.evaluate(test)["UAR"] >= 0.8
    # standardisation statistics are the training windows' per-channel mean and std
    assert torch.allclose(model.net.norm.mean, train.features.mean((0, 2)))


def test_val_selection_keeps_the_best_epoch(toy):
    from emozoo import metrics

    train, val = toy(32, samples=160, seed=0, separation=0.3), toy(16, samples=160, seed=2, separation=0.3)
    model = emozoo.load("wearable-cnn1d", **{**TINY, "epochs": 4})
    scores = model.fit(train, val).series("val_UAR")
    assert len(scores) == 4 and model.fit_report["best_epoch"] == scores.index(max(scores))
    pred = model.predict(val).labels
    assert metrics.compute(["UA"], val.labels.numpy(), pred.numpy())["UA"] == pytest.approx(max(scores))


def test_augmentation_changes_training_batches_not_statistics(toy):
    train = toy(16, samples=160, seed=0)
    plain = emozoo.load("wearable-cnn1d", **{**TINY, "epochs": 1})
    aug = emozoo.load("wearable-cnn1d-aug", **{**TINY, "epochs": 1})
    assert aug.config.augment
    plain.fit(train)
    aug.fit(train)
    assert torch.equal(plain.net.norm.mean, aug.net.norm.mean)
    assert not torch.equal(plain.net.head.weight, aug.net.head.weight)
    again = emozoo.load("wearable-cnn1d-aug", **{**TINY, "epochs": 1})
    again.fit(train)
    assert torch.equal(again.net.head.weight, aug.net.head.weight)
    with pytest.raises(ShapeError, match="windows"):
        aug.predict(torch.zeros(2, 15))  # the CNN takes no flat features


def test_same_weights_as_the_protocols_fcn1d(toy):
    """wearable-cnn1d without augmentation is the augmentation protocol's downstream fcn1d, trained the same way."""
    from emozoo.evaluation.classifiers import build_classifier, fit_classifier

    train = toy(24, samples=160, seed=0)
    model = emozoo.load("wearable-cnn1d", **{**TINY, "epochs": 2, "weight_decay": 1e-4})
    model.fit(train)
    net = build_classifier("fcn1d", (4, 160), 2, seed=model.config.seed, filters=TINY["filters"], kernels=(8, 5, 3))
    fit_classifier(net, train.features, train.labels, epochs=2, lr=TINY["lr"], batch_size=TINY["batch_size"], weight_decay=1e-4,
                   seed=model.config.seed)
    for (name, a), (_, b) in zip(model.net.state_dict().items(), net.state_dict().items()):
        assert torch.equal(a, b), name
