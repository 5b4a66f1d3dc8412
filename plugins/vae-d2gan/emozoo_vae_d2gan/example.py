"""The conformance kit's example: class-conditional Gaussians in SEED's [N, 62, 5] DE layout, a tiny network."""

from __future__ import annotations

import torch

from emozoo.data.batches import EEGBatch
from emozoo.testing import Example


def example() -> Example:
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(30) % 3
    features = 4.0 + torch.randn(3, 62, 5, generator=g)[labels] + 0.3 * torch.randn(30, 62, 5, generator=g)
    config = {"latent_dim": 4, "width": 4, "batch_size": 12, "epochs": 1, "classifier_epochs": 1, "device": "cpu"}
    return Example(
        config=config, train=EEGBatch(features=features[:24], labels=labels[:24]), test=EEGBatch(features=features[24:]),
        generate={"n": 6, "seed": 0},
    )
