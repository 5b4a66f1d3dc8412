"""Shared fixtures of the fer-cnn tests: one CPU thread, generated toy images (never real faces), tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny_config(**overrides):
    """Config overrides for a tiny model (16 x 16 grey, two conv blocks; well under a second per fit): a dict for
    ``emozoo.load(id, **overrides)``, so each preset keeps its own ``augment`` / ``rebalance``."""
    base = {"num_classes": 3, "image_size": 16, "channels": (4, 8), "epochs": 3, "batch_size": 8}
    base.update(overrides)
    return base


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def toy_faces():
    """The example's toy generator: class 0 a horizontal bar, 1 a vertical bar, 2 a centred blob, 3+ rings."""
    from emozoo_fer_cnn.example import toy_faces

    return toy_faces
