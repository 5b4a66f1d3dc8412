"""Shared fixtures of the speech-diffusion tests: one CPU thread, toy log-mel maps, one trained tiny model."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny(**overrides):
    """A config small enough for unit tests (about a second per epoch on 96 maps of 16 x 16)."""
    base = {
        "num_frames": 16, "n_mels": 16, "num_classes": 3, "label_names": ("a", "b", "c"), "base_channels": 8,
        "channel_mult": (1, 2), "attention_levels": (False, True), "num_timesteps": 100, "sampling_steps": 20,
        "batch_size": 16, "epochs": 2, "lr": 3e-3, "ema_decay": 0.0, "classifier_options": {"channels": (4, 4)},
        "classifier_epochs": 1,
    }
    base.update(overrides)
    return base


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny config dicts (a fixture, not an import: tests run with --import-mode=importlib)."""
    return tiny


@pytest.fixture(scope="session")
def toy():
    """96 toy log-mel maps [96, 16, 16] of 3 classes (a class-specific energy band), and 60 more for testing."""
    from emozoo_speech_diffusion.example import toy_logmel

    return toy_logmel(96, frames=16, mels=16, seed=1), toy_logmel(60, frames=16, mels=16, seed=2)


@pytest.fixture(scope="session")
def trained(toy):
    """The diffusion model trained 40 epochs on the toy (about 10 s on one core) and its History."""
    from emozoo_speech_diffusion.model import SpeechDDPM

    model = SpeechDDPM(tiny(epochs=40))
    history = model.fit_generator(toy[0])
    return model, history
