"""Shared fixtures of the stargan tests: one CPU thread, generated toy faces (never real photographs), tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny_config(**overrides):
    """A config small enough for unit tests (seconds on one core)."""
    from emozoo_stargan.example import TINY
    from emozoo_stargan.model import LAUNStarGANConfig

    return LAUNStarGANConfig(**{**TINY, **overrides})


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def toy():
    """(train ImageBatch of 180 toy 16 x 16 faces, 3 expressions x 4 identities; held-out images, labels, identities)."""
    from emozoo_stargan.example import toy_faces

    from emozoo.data.batches import ImageBatch

    x, y, ids = toy_faces(240, seed=1)
    return ImageBatch(images=x[:180], labels=y[:180]), (x[180:], y[180:], ids[180:])


TOY_FIT = {"iterations": 400, "decay_fraction": 0.25, "n_critic": 2, "g_conv_dim": 8, "d_conv_dim": 8, "batch_size": 16,
           "target_sampling": "uniform", "g_lr": 1e-3, "d_lr": 1e-3, "classifier_epochs": 0}


@pytest.fixture(scope="session")
def trained(toy):
    """LAUN StarGAN trained on the toy (about 15 s on one core), with its History."""
    from emozoo_stargan.model import LAUNStarGAN

    model = LAUNStarGAN(tiny_config(**TOY_FIT))
    history = model.fit_generator(toy[0])
    return model, history
