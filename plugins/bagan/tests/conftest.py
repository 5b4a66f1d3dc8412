"""Shared fixtures of the bagan tests: one CPU thread, toy spectrograms with class-specific mel profiles, tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny_config(**overrides):
    """A config small enough for unit tests (seconds on one core)."""
    from emozoo_bagan.example import TINY
    from emozoo_bagan.model import BAGANConfig

    return BAGANConfig(**{**TINY, **overrides})


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def toy():
    """AudioBatch of 150 toy 16 x 16 spectrograms, 3 classes x 50 (class = mel profile), and a held-out batch of 60."""
    from emozoo_bagan.example import toy_spectrograms

    from emozoo.data.batches import AudioBatch

    x, y = toy_spectrograms(210, seed=1)
    return AudioBatch(inputs=x[:150], labels=y[:150], kind="features"), AudioBatch(inputs=x[150:], labels=y[150:], kind="features")


@pytest.fixture(scope="session")
def trained(toy):
    """BAGAN trained through both phases on the toy (about 10 s on one core), with its History."""
    from emozoo_bagan.model import BAGAN

    model = BAGAN(tiny_config(autoencoder_epochs=30, autoencoder_lr=1e-3, epochs=15, lr=5e-5, classifier_epochs=0))
    history = model.fit_generator(toy[0])
    return model, history
