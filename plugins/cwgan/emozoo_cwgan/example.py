"""The conformance kit's example: a class-conditional Gaussian toy in a small [N, 4, 5] DE layout."""

from __future__ import annotations

import torch

from emozoo.data.batches import EEGBatch
from emozoo.testing import Example


def example() -> Example:
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(36) % 3
    features = 2.0 * torch.randn(3, 4, 5, generator=g)[labels] + 5.0 + torch.randn(36, 4, 5, generator=g)
    config = {
        "num_channels": 4, "latent_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,), "batch_size": 12,
        "n_critic": 2, "epochs": 2, "select": False, "judge_options": {"hidden": (8,)}, "judge_epochs": 2,
        "classifier": "mlp", "classifier_options": {"hidden": (8,)}, "classifier_epochs": 2,
    }
    return Example(
        config=config, train=EEGBatch(features=features[:30], labels=labels[:30]), test=EEGBatch(features=features[30:]),
        generate={"n": 6, "seed": 0},
    )
