"""Shared fixtures of the physio-diffusion tests: one CPU thread, toy windows, one trained tiny model."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


def tiny(**overrides):
    """A config small enough for unit tests: 2 channels x 64 samples, a 2-level U-Net of width 16, T = 100."""
    base = {
        "num_channels": 2, "window_length": 64, "channel_names": ("bvp", "eda"), "base_channels": 16,
        "channel_mult": (1, 2), "attention_levels": (False, True), "num_res_blocks": 1, "dropout": 0.0,
        "num_timesteps": 100, "sampler": "ddim", "sampling_steps": 20, "batch_size": 16, "epochs": 2, "lr": 3e-3,
        "ema_decay": 0.0, "classifier_options": {"channels": (8,)}, "classifier_epochs": 1,
    }
    base.update(overrides)
    return base


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny config dicts (a fixture, not an import: tests run with --import-mode=importlib)."""
    return tiny


@pytest.fixture(scope="session")
def toy():
    """128 toy windows [128, 2, 64] of 2 classes (1 vs 2 Hz sinusoid, EDA level 0 vs 2), and 64 more for testing."""
    from emozoo_physio_diffusion.example import toy_windows

    return toy_windows(128, seed=1), toy_windows(64, seed=2)


@pytest.fixture(scope="session")
def trained(toy):
    """The diffusion model trained 50 epochs (400 steps) on the toy, and its History."""
    from emozoo_physio_diffusion.model import PhysioDDPM

    model = PhysioDDPM(tiny(epochs=50))
    history = model.fit_generator(toy[0])
    return model, history
