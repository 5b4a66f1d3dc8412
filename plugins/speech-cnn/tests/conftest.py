"""Shared fixtures of the speech-cnn tests: one CPU thread, tone "utterances", tiny configs."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny_config(**overrides):
    """Config overrides for a tiny model (32 frames x 16 mels, two conv blocks; about a second per fit): a dict for
    ``emozoo.load(id, **overrides)``, so each preset keeps its own ``augment``."""
    base = {"num_classes": 3, "frontend": {"n_mels": 16, "n_frames": 32}, "channels": (4, 8), "epochs": 3, "batch_size": 8}
    base.update(overrides)
    return base


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def tones():
    """The example's tone generator: class i % 3 at 220 / 440 / 880 Hz, 0.4 s, random lengths."""
    from emozoo_speech_cnn.example import tones

    return tones
