"""Shared fixtures of the acgan tests: one CPU thread, generated toy images (never real faces), tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny_config(**overrides):
    """A config small enough for unit tests (seconds on one core)."""
    from emozoo_acgan.example import TINY
    from emozoo_acgan.model import ACGANConfig

    return ACGANConfig(**{**TINY, **overrides})


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def toy():
    """ImageBatch of 240 toy 32 x 32 images, 3 classes x 80 (class = shape), and a held-out batch of 90."""
    from emozoo_acgan.example import toy_faces

    from emozoo.data.batches import ImageBatch

    x, y = toy_faces(330, seed=1)
    return ImageBatch(images=x[:240], labels=y[:240]), ImageBatch(images=x[240:], labels=y[240:])


@pytest.fixture(scope="session")
def trained(toy):
    """ACGAN trained on the toy for 36 epochs (about 8 s on one core), with its History."""
    from emozoo_acgan.model import ACGAN

    model = ACGAN(tiny_config(epochs=36, batch_size=16))
    history = model.fit_generator(toy[0])
    return model, history
