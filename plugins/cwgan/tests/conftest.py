"""Shared fixtures of the cwgan tests: one CPU thread, a class-conditional Gaussian toy in [N, 62, 5], tiny configs."""

from __future__ import annotations

import pytest
import torch

from emozoo.data.batches import EEGBatch


@pytest.fixture(scope="session")
def toy():
    """(batch, true class means [K, 62, 5]): 3 classes, 100 samples each, means 2*N(0,1)+5, noise sd 1."""
    g = torch.Generator().manual_seed(0)
    k, n = 3, 300
    labels = torch.arange(n) % k
    means = 2.0 * torch.randn(k, 62, 5, generator=g) + 5.0
    features = means[labels] + torch.randn(n, 62, 5, generator=g)
    return EEGBatch(features=features, labels=labels), means


def tiny_config(**overrides):
    """A config small enough for unit tests (seconds on one core)."""
    from emozoo_cwgan.model import CWGANConfig

    base = {
        "latent_dim": 16, "generator_hidden": (64,), "critic_hidden": (64,), "batch_size": 16, "n_critic": 5,
        "lr_generator": 2e-3, "lr_critic": 2e-3, "betas": (0.5, 0.9), "epochs": 2,
        "judge_options": {"hidden": (32,)}, "judge_epochs": 10, "classifier": "mlp", "classifier_options": {"hidden": (32,)},
        "classifier_epochs": 10, "synthetic_ratio": 0.5,
    }
    base.update(overrides)
    return CWGANConfig(**base)


@pytest.fixture(scope="session")
def make_config():
    """Factory for tiny configs (fixtures, not imports: tests run with --import-mode=importlib)."""
    return tiny_config


@pytest.fixture(scope="session")
def trained(toy):
    """A cWGAN trained long enough on the toy to learn the class means (about 10 s on one core)."""
    from emozoo_cwgan.model import CWGAN

    model = CWGAN(tiny_config(epochs=100))
    history = model.fit(toy[0])
    return model, history
