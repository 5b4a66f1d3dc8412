"""Shared fixtures of the biosignal-gan tests: one CPU thread, class-dependent toy sinusoids [N, 2, 128] at 16 Hz."""

from __future__ import annotations

import pytest
import torch

from emozoo.data.batches import PhysioBatch

torch.set_num_threads(1)

CHANNELS = ("bvp", "eda")


def tiny_config(**overrides):
    """A config that learns the toy in ~10 s on one core (150 epochs of 200 windows)."""
    from emozoo_biosignal_gan.model import BiosignalGANConfig

    base = {
        "channels": CHANNELS, "window": 128, "patch": 8, "noise_dim": 8, "sequence_noise": 8, "generator_hidden": 64,
        "generator_layers": 1, "discriminator_hidden": 32, "batch_size": 32, "epochs": 150, "lr_generator": 2e-3,
        "lr_discriminator": 5e-4, "classifier_options": {"channels": (8, 16)}, "classifier_epochs": 10,
    }
    base.update(overrides)
    return BiosignalGANConfig(**base)


def toy_batch(n: int = 200, seed: int = 0, **kw) -> PhysioBatch:
    from emozoo_biosignal_gan.toy import sinusoid_windows

    x, y = sinusoid_windows(n, window=128, seed=seed, **kw)
    return PhysioBatch(features=x, labels=y, layout="channels_time", modality="wrist", band_names=CHANNELS)


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def make_toy():
    """Factory for toy batches: make_toy(n, seed)."""
    return toy_batch


@pytest.fixture(scope="session")
def toy():
    return toy_batch()


@pytest.fixture(scope="session")
def real_classifier(toy):
    """A 1-D CNN trained on real toy windows only: the judge of generated windows."""
    from emozoo_biosignal_gan.networks import Classifier1D

    from emozoo.evaluation.classifiers import fit_classifier

    clf = Classifier1D((2, 128), 2, channels=(8, 16))
    fit_classifier(clf, toy.features, toy.labels, epochs=10, lr=1e-3, batch_size=32, seed=0)
    return clf


@pytest.fixture(scope="session")
def trained(toy):
    """fit() on the toy: per-class GANs (150 epochs) then the downstream CNN on real + synthetic windows."""
    from emozoo_biosignal_gan.model import BiosignalGAN

    model = BiosignalGAN(tiny_config())
    history = model.fit(toy)
    return model, history
