"""Shared fixtures: a learnable toy (class-conditional Gaussians in the [N, 62, 5] DE layout) and tiny configs."""

from __future__ import annotations

import pytest
import torch

from emozoo.data.batches import EEGBatch
from emozoo.runtime import Runtime

NUM_CLASSES = 3


@pytest.fixture(scope="session")
def toy_means() -> torch.Tensor:
    """True class means [K, 62, 5]: a shared offset (DE values are positive) plus a class-specific pattern."""
    g = torch.Generator().manual_seed(123)
    return 4.0 + torch.randn(NUM_CLASSES, 62, 5, generator=g)


@pytest.fixture(scope="session")
def toy_batch(toy_means: torch.Tensor) -> EEGBatch:
    """240 labelled samples: class mean + N(0, 0.3^2) noise per feature."""
    g = torch.Generator().manual_seed(7)
    labels = torch.arange(240) % NUM_CLASSES
    features = toy_means[labels] + 0.3 * torch.randn(240, 62, 5, generator=g)
    return EEGBatch(features=features, labels=labels)



@pytest.fixture(scope="session")
def tiny_config():
    """A small but complete configuration (all parts of the method, few epochs) for fast CPU tests.

    lr 1e-2 (not the default 2e-4): within 20 epochs the joint objective learns the toy's class means.
    """
    from emozoo_vae_d2gan.model import VAED2GANConfig

    return VAED2GANConfig(
        latent_dim=8, width=8, batch_size=16, epochs=20, lr=1e-2, classifier="cnn", classifier_epochs=2, classifier_batch_size=64
    )


def cpu_runtime() -> Runtime:
    """A quiet CPU runtime."""
    return Runtime(device="cpu", progress=False)


@pytest.fixture(scope="session")
def make_runtime():
    """Factory for quiet CPU runtimes (a fresh one per fit)."""
    return cpu_runtime


@pytest.fixture(scope="session")
def fitted(tiny_config, toy_batch):
    """(model, history) after one fit on the toy; tests must not modify the model."""
    from emozoo_vae_d2gan.model import VAED2GAN

    model = VAED2GAN(tiny_config)
    history = model.fit(toy_batch, val=toy_batch, runtime=cpu_runtime())
    return model, history
